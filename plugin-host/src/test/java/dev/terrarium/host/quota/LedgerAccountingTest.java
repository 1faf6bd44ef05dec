package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LedgerAccountingTest {
  private static final long CAPACITY = 1_000_000;

  private final FakeNanoClock clock = new FakeNanoClock();
  private final InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(clock);
  private final FuelPolicy policy = FuelPolicy.builder().capacity(CAPACITY).refill(0, Duration.ofSeconds(1)).build();
  private final FuelAccount account = new FuelAccount("acme", policy, ledger);

  private long charged() {
    return CAPACITY - account.balance();
  }

  @Test
  void aCallIsChargedExactlyWhatItUsedAndTheRestOfTheSliceGoesBack() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);

    long counter = meter.takeSlice();
    assertThat(counter).isEqualTo(1_000);
    assertThat(charged()).isEqualTo(1_000);

    counter = meter.refuel(0); // used the whole first slice
    counter = meter.refuel(0); // and the second
    assertThat(meter.drawn()).isEqualTo(3_000);

    long used = meter.settle(counter - 250); // used 250 of the third

    assertThat(used).isEqualTo(2_250);
    assertThat(meter.used()).isEqualTo(2_250);
    assertThat(charged()).isEqualTo(2_250);
    assertThat(account.used()).isEqualTo(2_250);
    assertThat(account.calls()).isEqualTo(1);
  }

  @Test
  void aCallThatUsesNothingIsChargedNothing() {
    FuelMeter meter = account.newInstance().startCall("p", "noop", 5_000);
    long counter = meter.takeSlice();

    assertThat(meter.settle(counter)).isZero();
    assertThat(charged()).isZero();
  }

  @Test
  void aCallThatTrapsIsStillChargedExactlyWhatItUsed() {
    FuelMeter meter = account.newInstance().startCall("p", "crash", 1_000);
    long counter = meter.takeSlice();
    counter = meter.refuel(0);

    // the guest traps with 400 units of its second slice left; the runtime settles in its finally block
    long used = meter.settle(400);

    assertThat(used).isEqualTo(1_600).isEqualTo(charged());
  }

  @Test
  void aGuestThatOverranItsSliceIsChargedTheOverrunFromTheNextSlice() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();

    long counter = meter.refuel(-30); // ran 30 units past the end of the first slice

    assertThat(counter).isEqualTo(970);
    assertThat(meter.used()).isEqualTo(1_030);
    assertThat(meter.settle(970)).isEqualTo(1_030).isEqualTo(charged());
  }

  @Test
  void anOverrunAtTheEndOfTheCallIsChargedUnconditionally() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();

    assertThat(meter.settle(-7)).isEqualTo(1_007);
    assertThat(charged()).isEqualTo(1_007);
  }

  @Test
  void aLargeOverrunDrawsWhatItNeedsInOneExchange() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 100);
    meter.takeSlice();

    long counter = meter.refuel(-250); // 251 at once rather than three slices of 100

    assertThat(counter).isEqualTo(1);
    assertThat(meter.drawn()).isEqualTo(351);
    assertThat(meter.settle(counter)).isEqualTo(350).isEqualTo(charged());
  }

  @Test
  void anEarlyRefuelKeepsWhatIsLeftOfTheSlice() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();

    long counter = meter.refuel(300); // wants more before a costly block

    assertThat(counter).isEqualTo(1_300);
    assertThat(meter.settle(1_300)).isEqualTo(700).isEqualTo(charged());
  }

  @Test
  void aSliceIsCutToWhatTheBucketHolds() {
    FuelAccount small =
        new FuelAccount("tiny", FuelPolicy.builder().capacity(1_500).refill(0, Duration.ofSeconds(1)).build(), ledger);
    FuelMeter meter = small.newInstance().startCall("p", "run", 1_000);

    assertThat(meter.takeSlice()).isEqualTo(1_000);
    assertThat(meter.refuel(0)).isEqualTo(500);
  }

  @Test
  void fuelDrawnByARefuelThatRanOutIsReturnedAtSettle() {
    FuelAccount small =
        new FuelAccount("tiny", FuelPolicy.builder().capacity(1_100).refill(0, Duration.ofSeconds(1)).build(), ledger);
    FuelMeter meter = small.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();

    // 300 past the end: the last 100 units in the bucket do not cover it, so the guest is stopped
    assertThatThrownBy(() -> meter.refuel(-300)).isInstanceOf(FuelExhaustedException.class);

    // the guest never saw those 100 units; its counter is still -300
    assertThat(meter.settle(-300)).isEqualTo(1_300);
    assertThat(small.balance()).isEqualTo(1_100 - 1_300);
  }

  @Test
  void afterSettleEveryFurtherUseIsRejected() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    long counter = meter.takeSlice();
    meter.settle(counter);

    assertThat(meter.settled()).isTrue();
    assertThatThrownBy(() -> meter.settle(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("settled");
    assertThatThrownBy(meter::takeSlice).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> meter.refuel(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCounterAboveWhatTheCallDrewIsRejected() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();

    assertThatThrownBy(() -> meter.settle(1_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot exceed the fuel drawn for the call (1000)");
  }

  /** Metered code gives back what it prepaid for code that did not run, also after a refuel (a refund). */
  @Test
  void aCounterThatGrowsBetweenRefuelsWithinWhatWasDrawnIsAccepted() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    long counter = meter.takeSlice();
    counter = meter.refuel(counter - 1_005); // a charge ran 5 past the slice
    assertThat(counter).isEqualTo(995);
    assertThat(meter.settle(counter + 8)).as("8 units refunded after the refuel").isEqualTo(2_000 - 1_003);
    assertThat(account.used()).isEqualTo(997);
  }

  @Test
  void aSliceSizeBelowOneIsRejectedAndNamed() {
    InstanceFuel instance = account.newInstance();
    assertThatThrownBy(() -> instance.startCall("p", "run", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sliceSize");
  }

  @Test
  void usedBeforeSettleCountsTheCurrentSliceAsUnused() {
    FuelMeter meter = account.newInstance().startCall("p", "run", 1_000);
    meter.takeSlice();
    assertThat(meter.used()).isZero();
    meter.refuel(0);
    assertThat(meter.used()).isEqualTo(1_000);
  }
}
