package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.samples.SamplePlugins;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link CostModel.Accounting#FAST}: the same results and, for calls that end normally, the same fuel as exact
 * accounting; a call that traps is charged all the fuel it drew.
 */
class FastAccountingTest {
  private static final CostModel FAST = CostModel.builder().accounting(CostModel.Accounting.FAST).build();

  private static FuelPolicy budget(long units) {
    return FuelPolicy.builder().capacity(units).refill(1, Duration.ofDays(365)).build();
  }

  private static PluginHost host(ExecutionMode mode, CostModel model) {
    return Fixtures.host(mode).meterFuel(model).build();
  }

  /** Runs every kernel (small inputs) and returns each result followed by the fuel its call used. */
  private static long[] kernels(ExecutionMode mode, CostModel model) {
    try (PluginHost h = host(mode, model)) {
      Tenant t = h.tenant("t", budget(Long.MAX_VALUE / 4));
      Plugin p = h.load(SamplePlugins.bytes("kernels.wasm"));
      List<long[]> calls =
          List.of(new long[] {}, new long[] {20_000}, new long[] {12}, new long[] {18}, new long[] {5_000});
      List<String> names = List.of("sha256_1mib", "sieve", "matmul", "fib", "quicksort");
      long[] out = new long[names.size() * 2];
      try (PluginInstance i = p.instantiate(t, InstanceOptions.defaults())) {
        for (int k = 0; k < names.size(); k++) {
          out[2 * k] = i.call(names.get(k), calls.get(k))[0];
          out[2 * k + 1] = i.lastCallFuel();
        }
      }
      return out;
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void kernels_giveTheSameResultsAndFuelAsExactAccounting(ExecutionMode mode) {
    long[] exact = kernels(mode, CostModel.defaults());
    long[] fast = kernels(mode, FAST);
    assertThat(fast).containsExactly(exact);
    for (int k = 1; k < exact.length; k += 2) {
      assertThat(exact[k]).as("fuel of kernel %d", k / 2).isGreaterThan(1_000);
    }
  }

  @Test
  void cacheKeepsTheTwoAccountingsApart() {
    assertThat(FAST.key()).isNotEqualTo(CostModel.defaults().key()).endsWith(";accounting=fast");
    assertThat(CostModel.defaults().accounting()).isEqualTo(CostModel.Accounting.EXACT);
    assertThatThrownBy(() -> CostModel.builder().accounting(null)).isInstanceOf(NullPointerException.class);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aTrappingCallIsChargedAllItDrew_andTheTenantGoesOn(ExecutionMode mode) {
    try (PluginHost h = host(mode, FAST)) {
      Tenant t = h.tenant("t", budget(50_000_000));
      Plugin traps = h.load(fixture("traps"), manifest("traps"));
      try (PluginInstance i = traps.instantiate(t, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.call("div0")).isInstanceOf(GuestTrapException.class);
        long charged = i.lastCallFuel();
        assertThat(charged).as("the whole first slice").isGreaterThan(1_000);
        assertThat(t.used()).isEqualTo(charged);
      }
      try (PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate(t, InstanceOptions.defaults())) {
        long before = t.used();
        assertThat(i.call("add", 2, 3)).containsExactly(5);
        assertThat(i.lastCallFuel()).as("a call that returns is charged exactly").isBetween(1L, 20L);
        assertThat(t.used()).isEqualTo(before + i.lastCallFuel());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aRunawayLoopIsStoppedByFuelAndChargedExactlyItsBudget(ExecutionMode mode) {
    try (PluginHost h = host(mode, FAST)) {
      Tenant small = h.tenant("small", budget(3_000_000));
      try (PluginInstance i = h.load(fixture("loop"), manifest("loop")).instantiate(small, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.call("spin")).isInstanceOf(FuelExhaustedException.class);
      }
      assertThat(small.used()).isBetween(3_000_000L - 1, 3_000_000L + 100);
    }
  }
}
