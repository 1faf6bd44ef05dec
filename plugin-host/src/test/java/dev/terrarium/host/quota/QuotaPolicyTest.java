package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuotaPolicyTest {

  @Test
  void perAmountAndPeriodHoldsOnePeriodsWorthAndRefillsAtThatRate() {
    FuelPolicy policy = FuelPolicy.per(10_000_000_000L, Duration.ofHours(1));

    assertThat(policy.capacity()).isEqualTo(10_000_000_000L);
    assertThat(policy.refillAmount()).isEqualTo(10_000_000_000L);
    assertThat(policy.refillPeriod()).isEqualTo(Duration.ofHours(1));
    assertThat(policy.refillPerSecond()).isCloseTo(2_777_777.78, org.assertj.core.data.Offset.offset(0.01));
    assertThat(policy.perCallCap()).isNull();
    assertThat(policy.perInstanceCap()).isNull();
  }

  @Test
  void theBuilderSetsEveryField() {
    FuelPolicy policy =
        FuelPolicy.builder().capacity(500).refillPerSecond(50).perCallCap(100).perInstanceCap(1_000).build();

    assertThat(policy).isEqualTo(new FuelPolicy(500, 50, Duration.ofSeconds(1), 100L, 1_000L));
  }

  @Test
  void badValuesAreRejectedAndNamed() {
    assertThatThrownBy(() -> FuelPolicy.builder().capacity(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must be at least 1, was 0");
    assertThatThrownBy(() -> FuelPolicy.builder().refill(-1, Duration.ofSeconds(1)))
        .hasMessage("refillAmount must not be negative, was -1");
    assertThatThrownBy(() -> FuelPolicy.builder().refill(1, Duration.ZERO))
        .hasMessage("refillPeriod must be positive, was PT0S");
    assertThatThrownBy(() -> FuelPolicy.builder().perCallCap(0)).hasMessage("perCallCap must be at least 1, was 0");
    assertThatThrownBy(() -> FuelPolicy.builder().perInstanceCap(-5))
        .hasMessage("perInstanceCap must be at least 1, was -5");
    assertThatThrownBy(() -> new FuelPolicy(1, 1, null, null, null)).hasMessage("refillPeriod must be set");
    assertThatThrownBy(() -> new FuelPolicy(1, 1, Duration.ofSeconds(-1), null, null))
        .hasMessageContaining("refillPeriod must be positive");
    assertThatThrownBy(() -> new FuelPolicy(1, 1, Duration.ofDays(365L * 1_000), null, null))
        .hasMessageContaining("refillPeriod must be at most 292 years");
    assertThatThrownBy(() -> FuelPolicy.per(10, Duration.ofSeconds(1)).withPerCallCap(0L))
        .hasMessageContaining("perCallCap");
  }

  @Test
  void aBuilderWithoutCapacityOrRefillSaysWhatIsMissing() {
    assertThatThrownBy(() -> FuelPolicy.builder().refillPerSecond(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("capacity must be set");
    assertThatThrownBy(() -> FuelPolicy.builder().capacity(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refill must be set");
  }

  @Test
  void refillOverIsExactForLargeRatesAndSaturates() {
    FuelPolicy big = FuelPolicy.per(10_000_000_000L, Duration.ofHours(1));
    assertThat(big.refillOver(Duration.ofHours(1).toNanos())).isEqualTo(10_000_000_000L);
    assertThat(big.refillOver(Duration.ofDays(365 * 200).toNanos())).isEqualTo(10_000_000_000L * 24 * 365 * 200);
    FuelPolicy odd = FuelPolicy.builder().capacity(1).refill(Long.MAX_VALUE - 1, Duration.ofNanos(7)).build();
    assertThat(odd.refillOver(7)).isEqualTo(Long.MAX_VALUE - 1);
    assertThat(odd.refillOver(14)).isEqualTo(Long.MAX_VALUE);
    assertThat(big.refillOver(0)).isZero();
    assertThat(big.refillOver(-5)).isZero();
  }

  @Test
  void slowerRatesWinEvenWhenPeriodsDiffer() {
    FuelPolicy perMinute = FuelPolicy.per(61, Duration.ofMinutes(1));
    FuelPolicy perSecond = FuelPolicy.builder().capacity(61).refillPerSecond(1).build();

    assertThat(perMinute.narrowedBy(perSecond).refillPeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(perSecond.narrowedBy(perMinute).refillPeriod()).isEqualTo(Duration.ofSeconds(1));
  }
}
