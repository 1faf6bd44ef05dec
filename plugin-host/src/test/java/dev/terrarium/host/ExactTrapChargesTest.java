package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.host.metering.FunctionSplitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under EXACT accounting the compiler keeps counters in locals and its handlers store them at a trap
 * (FuelRewriter.rewriteWithTrapFlush, engine.TrapFlush): every call, trapping or not, is charged what the interpreter
 * charges, in a function of its own, in a callee, and in the pieces a large function is split into.
 */
class ExactTrapChargesTest {
  @TempDir java.nio.file.Path temp;

  private static final int OUT = 70_000; // beyond the one page of memory: a load there traps

  /** A large function (split by FunctionSplitter), a callee that traps, and loops before a trap. */
  static String module() {
    StringBuilder big = new StringBuilder();
    for (int k = 0; k < 80; k++) {
      big.append(
          """
              (block
                (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31)) (i32.const %d)))
                (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 7))))
                (local.set $s (i32.add (local.get $s) (i32.load (i32.and (local.get $s) (i32.const 1020)))))
                (if (i32.eq (local.get $n) (i32.const %d)) (then (drop (i32.load (local.get $addr)))))
                (if (i32.eq (local.get $n) (i32.const %d))
                  (then (local.set $s (i32.add (local.get $s) (call $inner (local.get $addr))))))
                (local.set $i (i32.const 0))
                (loop $l
                  (local.set $s (i32.add (local.get $s) (local.get $i)))
                  (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 3)))))
          """
              .formatted(k, k, 1000 + k));
    }
    return """
        (module
          (memory 1)
          (func $inner (param $a i32) (result i32) (local $j i32) (local $t i32)
            (loop $l
              (local.set $t (i32.add (local.get $t) (i32.mul (local.get $j) (local.get $j))))
              (br_if $l (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (i32.const 5))))
            (i32.add (local.get $t) (i32.load (local.get $a))))
          (func (export "loop_then_trap") (param $n i32) (param $addr i32) (result i32) (local $s i32)
            (block $done
              (loop $l
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $s (i32.add (local.get $s) (i32.load (i32.and (local.get $n) (i32.const 1020)))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $l)))
            (i32.add (local.get $s) (i32.load (local.get $addr))))
          (func (export "calls_then_trap") (param $n i32) (param $addr i32) (result i32) (local $s i32)
            (local.set $s (call $inner (i32.const 0)))
            (local.set $s (i32.add (local.get $s) (local.get $n)))
            (i32.add (local.get $s) (call $inner (local.get $addr))))
          (func (export "big") (param $n i32) (param $addr i32) (result i32) (local $s i32) (local $i i32)
        %s
            (local.get $s)))
        """
        .formatted(big);
  }

  /** Each call's result (or -1 for a trap) and fuel, under {@code mode}. */
  private static List<Long> run(ExecutionMode mode, byte[] bytes, boolean expectFlush) {
    List<Long> out = new ArrayList<>();
    try (PluginHost host = Fixtures.host(mode).meterFuel().build()) {
      Tenant t = host.tenant("t", FuelPolicy.builder().capacity(1L << 40).refill(1, Duration.ofDays(1)).build());
      Plugin plugin = host.load(bytes);
      assertThat(plugin.artifact().trapFlush()).as(mode + ": counters in locals, flushed at traps").isEqualTo(expectFlush);
      for (String f : List.of("loop_then_trap", "calls_then_trap", "big")) {
        for (int n : new int[] {0, 5, 40, 79, 1003, 1077, 5000}) {
          for (int addr : new int[] {0, OUT}) {
            // a trap leaves its instance unusable: one instance per call
            try (PluginInstance i = plugin.instantiate(t, InstanceOptions.defaults())) {
              long before = t.used();
              long result;
              try {
                result = i.call(f, n, addr)[0];
              } catch (GuestTrapException e) {
                result = -1;
              }
              out.add(result);
              out.add(i.lastCallFuel());
              assertThat(t.used() - before).as("the tenant pays the call's fuel").isEqualTo(i.lastCallFuel());
            }
          }
        }
      }
    }
    return out;
  }

  @Test
  void everyCallIsChargedTheSameByTheCompilerAsByTheInterpreter() {
    byte[] bytes = Wat.compile(module());
    byte[] rewritten = FuelRewriter.rewriteWithTrapFlush(bytes, CostModel.defaults(), true, true);
    assertThat(FunctionSplitter.splitWithTrapFlush(rewritten).length)
        .as("the large function is split")
        .isGreaterThan(rewritten.length);
    List<Long> interpreted = run(ExecutionMode.INTERPRETER, bytes, false);
    List<Long> compiled = run(ExecutionMode.COMPILER, bytes, true);
    assertThat(compiled).isEqualTo(interpreted);
    long traps = 0;
    for (int k = 0; k < interpreted.size(); k += 2) {
      traps += interpreted.get(k) == -1 ? 1 : 0;
    }
    assertThat(traps).as("calls that trap").isGreaterThan(10);
    for (int k = 1; k < interpreted.size(); k += 2) {
      assertThat(interpreted.get(k)).as("every call is charged").isPositive();
    }
  }

  /**
   * A module with a function too large for a JVM method cannot be compiled with the handlers (Endive leaves that
   * function to its interpreter, which would lose a local counter): it is rewritten again without trap flushing, and
   * charges what the interpreter charges.
   */
  @Test
  void aModuleTheHandlersCannotCover_isRewrittenWithoutThem() {
    byte[] module = PersistentCacheTest.hugeFunctionModule(temp, false);
    List<List<Long>> byMode = new ArrayList<>();
    for (ExecutionMode mode : ExecutionMode.values()) {
      try (PluginHost host = Fixtures.host(mode).meterFuel().build()) {
        Tenant t = host.tenant("t", FuelPolicy.builder().capacity(1L << 40).refill(1, Duration.ofDays(1)).build());
        Plugin plugin = host.load(module);
        assertThat(plugin.artifact().trapFlush()).as(mode.toString()).isFalse();
        List<Long> out = new ArrayList<>();
        try (PluginInstance i = plugin.instantiate(t, InstanceOptions.defaults())) {
          for (String f : List.of("big", "small", "neighbour")) {
            out.add(i.call(f, 5)[0]);
            out.add(i.lastCallFuel());
          }
        }
        byMode.add(out);
      }
    }
    assertThat(byMode.get(0)).isEqualTo(byMode.get(1));
    assertThat(byMode.get(0).get(0)).isEqualTo(40_005L);
  }
}
