package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelExhaustedException.Reason;
import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A call of an instance's reusable meter that would start with less than half a slice is topped up to a full slice
 * before it enters the guest, when the caps and the ledger allow; when they do not, the call starts with what the
 * instance holds and fails only if the guest then needs more ({@link FuelMeter#topUp}).
 */
class LeaseTopUpTest {
  private static final long SLICE = 1_000;

  private final InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(new FakeNanoClock());

  private static FuelPolicy bucket(long capacity) {
    return FuelPolicy.builder().capacity(capacity).refill(0, Duration.ofSeconds(1)).build();
  }

  @Test
  void aCallStartingBelowHalfASliceIsToppedUpToASlice_andOneAboveIsNot() {
    FuelAccount account = new FuelAccount("acme", bucket(100_000), ledger);
    InstanceFuel instance = account.newInstance(null, null, SLICE);

    FuelMeter first = instance.beginCall("p", "run");
    assertThat(first.counter()).as("the first call starts with a slice").isEqualTo(SLICE);
    first.settle(SLICE - 600); // used 600, leaves 400

    FuelMeter second = instance.beginCall("p", "run");
    assertThat(second.counter()).as("400 left, topped up").isEqualTo(SLICE);
    assertThat(account.balance()).isEqualTo(100_000 - 600 - SLICE);
    second.settle(SLICE - 100); // leaves 900

    FuelMeter third = instance.beginCall("p", "run");
    assertThat(third.counter()).as("900 left, at least half a slice: not topped up").isEqualTo(900);
    third.settle(900 - 400); // leaves 500, exactly half

    FuelMeter fourth = instance.beginCall("p", "run");
    assertThat(fourth.counter()).isEqualTo(500);
    assertThat(fourth.settle(500)).isZero();

    assertThat(instance.used()).isEqualTo(600 + 100 + 400);
    instance.close();
    assertThat(account.balance()).as("closing returns the lease; the tenant paid what ran").isEqualTo(100_000 - 1_100);
  }

  @Test
  void aTopUpTakesWhatTheBucketHas_andAnEmptyBucketFailsOnlyTheCallThatNeedsMore() {
    FuelAccount account = new FuelAccount("acme", bucket(1_200), ledger);
    InstanceFuel instance = account.newInstance(null, null, SLICE);
    instance.beginCall("p", "run").settle(SLICE - 900); // used 900, leaves 100; 200 in the bucket

    FuelMeter partial = instance.beginCall("p", "run");
    assertThat(partial.counter()).as("100 held + the 200 left").isEqualTo(300);
    partial.settle(300 - 250); // leaves 50

    FuelMeter empty = instance.beginCall("p", "run");
    assertThat(empty.counter()).as("nothing to draw: the call starts with what the instance holds").isEqualTo(50);
    empty.settle(50 - 30); // a call that fits in what is held still runs

    FuelMeter needsMore = instance.beginCall("p", "run");
    assertThat(needsMore.counter()).isEqualTo(20);
    FuelExhaustedException e = catchThrowableOfType(() -> needsMore.refuel(-5), FuelExhaustedException.class);
    assertThat(e.reason()).isEqualTo(Reason.LEDGER);
    assertThat(needsMore.settle(-5)).isEqualTo(25);
    assertThat(instance.used()).isEqualTo(900 + 250 + 30 + 25);
    assertThat(account.balance()).isEqualTo(1_200 - 1_205);
  }

  @Test
  void theCapsBoundATopUp() {
    FuelAccount perCall = new FuelAccount("acme", bucket(100_000).withPerCallCap(700L), ledger);
    InstanceFuel capped = perCall.newInstance(null, null, SLICE);
    FuelMeter first = capped.beginCall("p", "run");
    assertThat(first.counter()).isEqualTo(700);
    first.settle(50);
    assertThat(capped.beginCall("p", "run").counter()).as("topped up to the per-call cap").isEqualTo(700);

    FuelAccount perInstance =
        new FuelAccount("globex", bucket(100_000).withPerInstanceCap(1_500L), ledger);
    InstanceFuel instance = perInstance.newInstance(null, null, SLICE);
    instance.beginCall("p", "run").settle(100); // used 900, holds 100, committed 1 000
    FuelMeter second = instance.beginCall("p", "run");
    assertThat(second.counter()).as("100 held + the 500 the per-instance cap still allows").isEqualTo(600);
    assertThat(instance.remaining()).isZero();
    second.settle(0);
    FuelMeter third = instance.beginCall("p", "run");
    assertThat(third.counter()).as("the cap is reached: nothing drawn, no error until the guest needs fuel").isZero();
    assertThat(catchThrowableOfType(() -> third.refuel(-1), FuelExhaustedException.class).reason())
        .isEqualTo(Reason.PER_INSTANCE_CAP);
  }

  @Test
  void aLedgerThatFailsDuringATopUpFailsOnlyTheCallThatNeedsMore_andCountsNothing() {
    AtomicBoolean down = new AtomicBoolean();
    FuelLedger flaky =
        new FuelLedger() {
          @Override
          public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
            if (down.get()) {
              throw new IllegalStateException("connection refused: redis://ledger:6379");
            }
            return ledger.exchange(tenantId, policy, credit, wanted);
          }

          @Override
          public long balance(String tenantId, FuelPolicy policy) {
            return ledger.balance(tenantId, policy);
          }
        };
    FuelAccount account =
        new FuelAccount("acme", bucket(100_000).withPerInstanceCap(50_000L), flaky);
    InstanceFuel instance = account.newInstance(null, null, SLICE);
    instance.beginCall("p", "run").settle(300); // used 700, holds 300
    down.set(true);

    FuelMeter fits = instance.beginCall("p", "run");
    assertThat(fits.counter()).isEqualTo(300);
    assertThat(instance.committed()).as("the failed draw reserved nothing").isEqualTo(1_000);
    fits.settle(100);

    FuelMeter needsMore = instance.beginCall("p", "run");
    FuelExhaustedException e = catchThrowableOfType(() -> needsMore.refuel(-1), FuelExhaustedException.class);
    assertThat(e.reason()).isEqualTo(Reason.LEDGER_FAILURE);
    assertThat(e).hasMessageContaining("connection refused");
    down.set(false);
    assertThat(needsMore.settle(-1)).isEqualTo(101);
    assertThat(instance.used()).isEqualTo(700 + 200 + 101);
    assertThat(account.balance()).isEqualTo(100_000 - 1_001);
  }
}
