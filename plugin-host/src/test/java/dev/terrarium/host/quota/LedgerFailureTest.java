package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelExhaustedException.Reason;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginCallException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class LedgerFailureTest {
  private final FuelPolicy policy =
      FuelPolicy.builder().capacity(100_000).refill(0, Duration.ofSeconds(1)).perInstanceCap(50_000).build();

  /** A ledger whose store is down. */
  private static final class DownLedger implements FuelLedger {
    @Override
    public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
      throw new IllegalStateException("connection refused: redis://ledger:6379");
    }

    @Override
    public long balance(String tenantId, FuelPolicy policy) {
      throw new IllegalStateException("connection refused: redis://ledger:6379");
    }
  }

  @Test
  void aLedgerThatThrowsWhileFuelIsDrawnIsReportedAsATypedLedgerFailure() {
    FuelMeter meter = new FuelAccount("acme", policy, new DownLedger()).newInstance().startCall("p", "run", 1_000);

    FuelExhaustedException e = catchThrowableOfType(meter::takeSlice, FuelExhaustedException.class);

    assertThat(e).isInstanceOf(PluginCallException.class);
    assertThat(e.code()).isEqualTo(ErrorCode.CALL_FUEL_EXHAUSTED);
    assertThat(e.reason()).isEqualTo(Reason.LEDGER_FAILURE);
    assertThat(e.limit()).isEqualTo(-1);
    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
    assertThat(e)
        .hasMessage(
            "[Terrarium/CALL_FUEL_EXHAUSTED] plugin 'p': call to 'run' failed: the fuel ledger failed for tenant"
                + " 'acme' (the call used 0 units of fuel): java.lang.IllegalStateException: connection refused:"
                + " redis://ledger:6379. The guest was stopped because its fuel could not be accounted for; check"
                + " the ledger and its backing store.");
  }

  @Test
  void aFailedDrawDoesNotCountAgainstThePerInstanceCap() {
    InstanceFuel instance = new FuelAccount("acme", policy, new DownLedger()).newInstance();

    assertThatThrownBy(() -> instance.startCall("p", "run", 1_000).takeSlice())
        .isInstanceOf(FuelExhaustedException.class);

    assertThat(instance.committed()).isZero();
    assertThat(instance.remaining()).isEqualTo(50_000);
  }

  @Test
  void aLedgerThatGrantsMoreThanWantedIsReportedAsBroken() {
    FuelLedger greedy =
        new FuelLedger() {
          @Override
          public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
            return wanted + 1;
          }

          @Override
          public long balance(String tenantId, FuelPolicy policy) {
            return 0;
          }
        };
    FuelMeter meter = new FuelAccount("acme", policy, greedy).newInstance().startCall("p", "run", 1_000);

    FuelExhaustedException e = catchThrowableOfType(meter::takeSlice, FuelExhaustedException.class);

    assertThat(e.reason()).isEqualTo(Reason.LEDGER_FAILURE);
    assertThat(e).hasMessageContaining("granted 1001 units when 1000 were wanted");
  }

  @Test
  void aLedgerThatFailsToTakeBackTheRemainderStillSettlesTheCallAndSaysSo() {
    AtomicBoolean down = new AtomicBoolean();
    InMemoryFuelLedger real = InMemoryFuelLedger.withNanoClock(new FakeNanoClock());
    FuelLedger flaky =
        new FuelLedger() {
          @Override
          public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
            if (down.get()) {
              throw new IllegalStateException("timeout");
            }
            return real.exchange(tenantId, policy, credit, wanted);
          }

          @Override
          public long balance(String tenantId, FuelPolicy policy) {
            return real.balance(tenantId, policy);
          }
        };
    FuelAccount account = new FuelAccount("acme", policy, flaky);
    InstanceFuel instance = account.newInstance();
    FuelMeter meter = instance.startCall("p", "run", 1_000);
    long counter = meter.takeSlice();
    down.set(true);

    FuelExhaustedException e = catchThrowableOfType(() -> meter.settle(counter - 300), FuelExhaustedException.class);

    assertThat(e.reason()).isEqualTo(Reason.LEDGER_FAILURE);
    assertThat(e.used()).isEqualTo(300);
    assertThat(meter.settled()).isTrue();
    assertThat(meter.used()).isEqualTo(300);
    assertThat(instance.used()).isEqualTo(300);
    // the remainder could not go back: the tenant is over-charged, never under-charged
    assertThat(account.balance()).isEqualTo(100_000 - 1_000);
  }

  @Test
  void readingTheBalanceOfABrokenLedgerPropagatesItsException() {
    FuelAccount account = new FuelAccount("acme", policy, new DownLedger());

    assertThatThrownBy(account::balance).isInstanceOf(IllegalStateException.class).hasMessageContaining("refused");
  }

  @Test
  void anAccountNeedsATenantAPolicyAndALedger() {
    InMemoryFuelLedger ledger = new InMemoryFuelLedger();
    assertThatThrownBy(() -> new FuelAccount(" ", policy, ledger))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenantId");
    assertThatThrownBy(() -> new FuelAccount("acme", null, ledger)).hasMessageContaining("policy");
    assertThatThrownBy(() -> new FuelAccount("acme", policy, null)).hasMessageContaining("ledger");
  }
}
