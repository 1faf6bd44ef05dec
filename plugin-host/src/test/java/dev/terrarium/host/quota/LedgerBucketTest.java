package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LedgerBucketTest {
  private final FakeNanoClock clock = new FakeNanoClock();
  private final InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(clock);
  private final FuelPolicy hundredPerSecond =
      FuelPolicy.builder().capacity(1_000).refill(100, Duration.ofSeconds(1)).build();

  @Test
  void aNewTenantStartsWithAFullBucket() {
    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(1_000);
  }

  @Test
  void withdrawGrantsAtMostTheBalanceAndNeverGoesNegative() {
    assertThat(ledger.withdraw("acme", hundredPerSecond, 600)).isEqualTo(600);
    assertThat(ledger.withdraw("acme", hundredPerSecond, 600)).isEqualTo(400);
    assertThat(ledger.withdraw("acme", hundredPerSecond, 600)).isZero();
    assertThat(ledger.balance("acme", hundredPerSecond)).isZero();
  }

  @Test
  void anEmptyBucketRefillsAtThePolicyRate() {
    ledger.withdraw("acme", hundredPerSecond, 1_000);

    clock.advance(Duration.ofMillis(2_500));

    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(250);
    assertThat(ledger.withdraw("acme", hundredPerSecond, 1_000)).isEqualTo(250);
  }

  @Test
  void refillNeverRaisesTheBalanceAboveCapacity() {
    ledger.withdraw("acme", hundredPerSecond, 300);

    clock.advance(Duration.ofHours(5));

    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(1_000);
  }

  @Test
  void aBucketKeptBelowCapacityForYears_refillsExactly_withFractionsCarried() {
    // 7 units every 3 seconds: fractional per exchange. The bucket never fills, so its refill origin would fall
    // further behind at every exchange; it must still credit exactly floor(elapsed * 7 / 3 s) in total.
    FuelPolicy odd = FuelPolicy.builder().capacity(1_000_000_000L).refill(7, Duration.ofSeconds(3)).build();
    assertThat(ledger.withdraw("busy", odd, 1_000_000_000L)).isEqualTo(1_000_000_000L);
    long spent = 0;
    long elapsed = 0;
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 30_000; i++) {
      long step = 1 + (long) (random.nextDouble() * 3_000_000_000_000L); // up to 50 minutes
      clock.advanceNanos(step);
      elapsed += step;
      spent += ledger.withdraw("busy", odd, random.nextInt(10));
    }
    long credited = (long) (java.math.BigInteger.valueOf(elapsed).multiply(java.math.BigInteger.valueOf(7))
        .divide(java.math.BigInteger.valueOf(3_000_000_000L)).longValue());
    assertThat(elapsed).as("years of simulated time").isGreaterThan(Duration.ofDays(365).toNanos());
    assertThat(ledger.balance("busy", odd) + spent).isEqualTo(credited);
  }

  @Test
  void anUnlimitedTenant_isNeverShortOfFuel_andItsBalanceStaysFull() {
    FuelPolicy unlimited = FuelPolicy.unlimited();
    for (int i = 0; i < 1_000; i++) {
      clock.advanceNanos(1 + i);
      assertThat(ledger.withdraw("free", unlimited, 1_000_000)).isEqualTo(1_000_000);
      ledger.deposit("free", unlimited, 999_999);
    }
    clock.advanceNanos(1);
    assertThat(ledger.balance("free", unlimited)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void fractionsOfAUnitCarryOverBetweenExchanges() {
    FuelPolicy onePerSecond = FuelPolicy.builder().capacity(10).refill(1, Duration.ofSeconds(1)).build();
    ledger.withdraw("slow", onePerSecond, 10);

    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofMillis(300));
      ledger.withdraw("slow", onePerSecond, 0);
    }

    // 3 seconds in ten steps of 0.3 s: 3 units, not 0 (which rounding each step down would give)
    assertThat(ledger.balance("slow", onePerSecond)).isEqualTo(3);
  }

  @Test
  void tenBillionAnHourRefillsExactlyOverAnHour() {
    FuelPolicy big = FuelPolicy.per(10_000_000_000L, Duration.ofHours(1));
    assertThat(ledger.withdraw("big", big, 10_000_000_000L)).isEqualTo(10_000_000_000L);

    for (int minute = 0; minute < 59; minute++) {
      clock.advance(Duration.ofSeconds(61));
      assertThat(ledger.withdraw("big", big, 1)).isEqualTo(1);
    }

    // 59 × 61 s elapsed, 59 units taken
    long expected = 10_000_000_000L * 59 * 61 / 3_600 - 59;
    assertThat(ledger.balance("big", big)).isEqualTo(expected);
  }

  @Test
  void aBucketThatNeverRefillsStaysEmpty() {
    FuelPolicy once = FuelPolicy.builder().capacity(50).refill(0, Duration.ofSeconds(1)).build();
    ledger.withdraw("trial", once, 50);

    clock.advance(Duration.ofDays(365));

    assertThat(ledger.balance("trial", once)).isZero();
  }

  @Test
  void aClockThatStepsBackCreditsNothingAndTakesNothingBack() {
    ledger.withdraw("acme", hundredPerSecond, 1_000);
    clock.advance(Duration.ofSeconds(2));
    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(200);
    ledger.withdraw("acme", hundredPerSecond, 0);

    clock.advance(Duration.ofSeconds(-1));

    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(200);
    clock.advance(Duration.ofSeconds(2));
    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(300);
  }

  @Test
  void depositReturnsFuelButNeverAboveCapacity() {
    ledger.withdraw("acme", hundredPerSecond, 400);
    ledger.deposit("acme", hundredPerSecond, 150);
    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(750);

    ledger.deposit("acme", hundredPerSecond, 10_000);
    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(1_000);
  }

  @Test
  void chargeDebitsUnconditionallyAndTheDebtIsPaidFromRefill() {
    ledger.withdraw("acme", hundredPerSecond, 1_000);
    ledger.charge("acme", hundredPerSecond, 50);
    assertThat(ledger.balance("acme", hundredPerSecond)).isEqualTo(-50);
    assertThat(ledger.withdraw("acme", hundredPerSecond, 10)).isZero();

    clock.advance(Duration.ofSeconds(1));

    assertThat(ledger.withdraw("acme", hundredPerSecond, 100)).isEqualTo(50);
  }

  @Test
  void aLowerCapacityTakesEffectAtTheNextExchange() {
    FuelPolicy smaller = FuelPolicy.builder().capacity(200).refill(100, Duration.ofSeconds(1)).build();
    ledger.withdraw("acme", hundredPerSecond, 100);

    assertThat(ledger.balance("acme", smaller)).isEqualTo(200);
    assertThat(ledger.withdraw("acme", smaller, 1_000)).isEqualTo(200);
  }

  @Test
  void anUnlimitedPolicyKeepsGranting() {
    FuelPolicy unlimited = FuelPolicy.unlimited();
    assertThat(ledger.withdraw("free", unlimited, Long.MAX_VALUE / 2)).isEqualTo(Long.MAX_VALUE / 2);
    clock.advanceNanos(1);
    assertThat(ledger.withdraw("free", unlimited, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    clock.advanceNanos(1);
    assertThat(ledger.balance("free", unlimited)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aLedgerOnAnInstantSourceRefillsFromThatSource() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    InstantSource source = now::get;
    InMemoryFuelLedger onInstants = InMemoryFuelLedger.withClock(source);
    onInstants.withdraw("acme", hundredPerSecond, 1_000);

    now.set(now.get().plusMillis(1_500));

    assertThat(onInstants.balance("acme", hundredPerSecond)).isEqualTo(150);
  }

  @Test
  void negativeAmountsAreRejectedAndNamed() {
    assertThatThrownBy(() -> ledger.withdraw("acme", hundredPerSecond, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("wanted");
    assertThatThrownBy(() -> ledger.deposit("acme", hundredPerSecond, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("amount");
    assertThatThrownBy(() -> ledger.charge("acme", hundredPerSecond, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("amount");
  }
}
