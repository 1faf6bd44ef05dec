package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelExhaustedException.Reason;
import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TenantIsolationTest {
  private final FakeNanoClock clock = new FakeNanoClock();
  private final InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(clock);
  private final FuelPolicy small = FuelPolicy.builder().capacity(10_000).refill(0, Duration.ofSeconds(1)).build();
  private final FuelPolicy large = FuelPolicy.builder().capacity(1_000_000).refill(0, Duration.ofSeconds(1)).build();

  @Test
  void oneTenantRunningOutLeavesAnotherTenantsBalanceUntouched() {
    FuelAccount poor = new FuelAccount("poor", small, ledger);
    FuelAccount rich = new FuelAccount("rich", large, ledger);
    FuelMeter richCall = rich.newInstance().startCall("p", "run", 1_000);
    long richCounter = richCall.takeSlice();

    FuelMeter poorCall = poor.newInstance().startCall("p", "run", 1_000);
    long counter = poorCall.takeSlice();
    FuelExhaustedException e = null;
    while (e == null) {
      counter = -10; // spends the whole slice and overruns it a little
      try {
        counter = poorCall.refuel(counter);
      } catch (FuelExhaustedException x) {
        e = x;
      }
    }
    poorCall.settle(counter);

    assertThat(e.reason()).isEqualTo(Reason.LEDGER);
    assertThat(e.tenantId()).isEqualTo("poor");
    assertThat(poor.balance()).isLessThanOrEqualTo(0);
    assertThat(rich.balance()).isEqualTo(1_000_000 - 1_000);
    assertThat(richCall.settle(richCounter - 123)).isEqualTo(123);
    assertThat(rich.balance()).isEqualTo(1_000_000 - 123);
  }

  @Test
  void tenantsWithTheSamePolicyHaveSeparateBuckets() {
    FuelAccount a = new FuelAccount("a", small, ledger);
    FuelAccount b = new FuelAccount("b", small, ledger);

    FuelMeter meter = a.newInstance().startCall("p", "run", 10_000);
    meter.settle(meter.takeSlice() - 10_000);

    assertThat(a.balance()).isZero();
    assertThat(b.balance()).isEqualTo(10_000);
  }

  @Test
  void hammeringOneTenantToExhaustionNeverMovesAnotherConcurrentTenantsAccounts() throws Exception {
    FuelAccount noisy = new FuelAccount("noisy", FuelPolicy.builder().capacity(500_000).refill(0, Duration.ofSeconds(1)).build(), ledger);
    FuelAccount quiet = new FuelAccount("quiet", large, ledger);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<LedgerConcurrencyTest.Totals> noise = pool.submit(() -> LedgerConcurrencyTest.hammer(noisy, 2, 7));

    long quietUsed = 0;
    InstanceFuel instance = quiet.newInstance();
    for (int i = 0; i < 2_000; i++) {
      FuelMeter meter = instance.startCall("p", "run", 100);
      long counter = meter.takeSlice();
      quietUsed += meter.settle(counter - (i % 100));
    }
    LedgerConcurrencyTest.Totals totals = noise.get(60, TimeUnit.SECONDS);
    pool.shutdown();

    assertThat(quiet.balance()).isEqualTo(1_000_000 - quietUsed);
    assertThat(500_000 - noisy.balance()).isEqualTo(totals.simulated());
  }

  @Test
  void oneTenantsRefillDoesNotDependOnAnotherTenantsActivity() {
    FuelPolicy refilling = FuelPolicy.builder().capacity(1_000).refillPerSecond(100).build();
    FuelAccount a = new FuelAccount("a", refilling, ledger);
    FuelAccount b = new FuelAccount("b", refilling, ledger);
    ledger.withdraw("a", refilling, 1_000);
    ledger.withdraw("b", refilling, 1_000);

    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofMillis(100));
      ledger.withdraw("b", refilling, 10);
    }

    assertThat(a.balance()).isEqualTo(100);
    assertThat(b.balance()).isZero();
  }
}
