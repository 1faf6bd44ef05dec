package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.host.metering.CostModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Start functions on a host that meters fuel: they run metered and are charged to the instantiating tenant. */
class MeteredStartTest {
  private static final String EMPTY_START = "(module (func $s) (start $s) (func (export \"one\") (result i32) (i32.const 1)))";

  /** A start function that loops 1000 times, storing a sum the export reads. */
  private static final String COUNTING_START =
      """
      (module
        (global $sum (mut i32) (i32.const 0))
        (func $s (local $i i32)
          (loop $l
            (global.set $sum (i32.add (global.get $sum) (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 1000)))))
        (start $s)
        (func (export "sum") (result i32) (global.get $sum)))
      """;

  private static final String LOOPING_START = "(module (func $s (loop $l (br $l))) (start $s))";

  private static final String TRAPPING_START =
      "(module (func $s (drop (i32.div_u (i32.const 1) (i32.const 0)))) (start $s))";

  private static FuelPolicy budget(long units) {
    return FuelPolicy.builder().capacity(units).refill(1, Duration.ofDays(365)).build();
  }

  private static PluginHost host(ExecutionMode mode, boolean fast) {
    PluginHost.Builder b = Fixtures.host(mode);
    return (fast ? b.meterFuel(CostModel.builder().accounting(CostModel.Accounting.FAST).build()) : b.meterFuel())
        .build();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aModuleWithAStartFunction_instantiatesOnAMeteredHost(ExecutionMode mode) {
    // The reported bug: even (func) (start 0) failed with "the guest ran metered code outside a call".
    try (PluginHost host = host(mode, false)) {
      Tenant t = host.tenant("t", budget(1_000_000));
      try (PluginInstance i = host.load(Wat.compile(EMPTY_START), manifest("empty-start")).instantiate(t, InstanceOptions.defaults())) {
        assertThat(i.call("one")).containsExactly(1);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aStartFunctionThatCompletes_isChargedToTheTenant_theSameUnderBothEngines(ExecutionMode mode) {
    List<Long> charged = new ArrayList<>();
    for (ExecutionMode m : List.of(mode, mode == ExecutionMode.COMPILER ? ExecutionMode.INTERPRETER : ExecutionMode.COMPILER)) {
      try (PluginHost host = host(m, false)) {
        Tenant t = host.tenant("t", budget(10_000_000));
        try (PluginInstance i = host.load(Wat.compile(COUNTING_START), manifest("counting")).instantiate(t, InstanceOptions.defaults())) {
          long afterStart = t.used();
          assertThat(afterStart).as("a thousand iterations of about ten instructions").isGreaterThan(10_000);
          charged.add(afterStart);
          assertThat(i.call("sum")).containsExactly(499_500);
          assertThat(t.used()).isEqualTo(afterStart + i.lastCallFuel());
        }
        assertThat(t.balance()).as("exact once the instance closed").isEqualTo(10_000_000 - t.used());
      }
    }
    assertThat(charged.get(0)).as("fuel is the same under the interpreter and the compiler").isEqualTo(charged.get(1));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aStartFunctionThatLoops_isStoppedByFuel_andTheHostIsUnharmed(ExecutionMode mode) {
    for (boolean fast : List.of(false, true)) {
      try (PluginHost host = host(mode, fast)) {
        Tenant t = host.tenant("looper", budget(3_000_000));
        Plugin looping = host.load(Wat.compile(LOOPING_START), manifest("looping-start"));
        assertThatThrownBy(() -> looping.instantiate(t, InstanceOptions.defaults()))
            .isInstanceOfSatisfying(
                PluginInstantiationException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(ErrorCode.INSTANTIATE_FAILED);
                  assertThat(e).hasRootCauseInstanceOf(FuelExhaustedException.class);
                })
            .hasMessageContaining("CALL_FUEL_EXHAUSTED");
        assertThat(t.used()).isBetween(3_000_000 - 1_000L, 3_000_000 + host.fuelSlice());
        assertThat(t.balance()).isLessThanOrEqualTo(1_000);
        Tenant other = host.tenant("other", budget(1_000_000));
        try (PluginInstance i = host.load(Wat.compile(EMPTY_START), manifest("fine")).instantiate(other, InstanceOptions.defaults())) {
          assertThat(i.call("one")).containsExactly(1);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aStartFunctionThatTraps_isChargedWhatItRan(ExecutionMode mode) {
    try (PluginHost host = host(mode, false)) {
      Tenant t = host.tenant("t", budget(1_000_000));
      Plugin trapping = host.load(Wat.compile(TRAPPING_START), manifest("trapping-start"));
      assertThatThrownBy(() -> trapping.instantiate(t, InstanceOptions.defaults()))
          .isInstanceOf(PluginInstantiationException.class)
          .hasMessageContaining("its start function failed")
          .hasCauseInstanceOf(GuestTrapException.class);
      assertThat(t.used()).as("the instructions up to the trap").isBetween(1L, 20L);
      assertThat(t.balance()).isEqualTo(1_000_000 - t.used());
      assertHealthyMetered(host);
    }
  }

  private static void assertHealthyMetered(PluginHost host) {
    Tenant t = host.tenant("healthy", FuelPolicy.unlimited());
    try (PluginInstance i = host.load(Fixtures.fixture("add"), manifest("good-add")).instantiate(t, InstanceOptions.defaults())) {
      assertThat(i.call("add", 40, 2)).containsExactly(42);
    }
  }
}
