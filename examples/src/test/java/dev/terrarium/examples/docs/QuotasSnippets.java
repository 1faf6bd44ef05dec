package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The code of docs/quotas.md, compiled and run. */
class QuotasSnippets {
  @Test
  void per_holdsOnePeriodsWorthAndRefillsAtThatRate() {
    // snippet: per
    FuelPolicy big = FuelPolicy.per(10_000_000_000L, Duration.ofHours(1));
    FuelPolicy small = FuelPolicy.per(100_000_000L, Duration.ofHours(1));
    // end snippet: per

    assertThat(big.capacity()).isEqualTo(10_000_000_000L);
    assertThat(big.refillAmount()).isEqualTo(10_000_000_000L);
    assertThat(small.capacity()).isEqualTo(100_000_000L);
    assertThat(small.refillPeriod()).isEqualTo(Duration.ofHours(1));
    assertThat(small.perCallCap()).isNull();
  }

  @Test
  void builder_setsASmallerBurstAndAPerCallCap() {
    // snippet: smooth
    FuelPolicy smooth = FuelPolicy.builder()
        .capacity(500_000_000L)                            // bursts of at most 5% of the hour
        .refill(10_000_000_000L, Duration.ofHours(1))
        .perCallCap(2_000_000_000L)                        // no single call may take more than 20%
        .build();
    // end snippet: smooth

    assertThat(smooth)
        .isEqualTo(new FuelPolicy(500_000_000L, 10_000_000_000L, Duration.ofHours(1), 2_000_000_000L, null));
  }
}
