package dev.terrarium.host.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.terrarium.host.Wat;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import run.endive.runtime.Instance;

/** A compiled function that keeps the counter in a local leaves it in the field when it traps. */
class TrapFlushTest {
  /**
   * The counter is the last global. f charges its local 5, reads memory at $a (a trap when out of bounds), charges
   * 7 more and stores it. g stores its local, puts the marker in it and calls h, which charges the field itself
   * and traps: the field must keep h's charge.
   */
  private static final String MODULE =
      """
      (module
        (memory 1)
        (global $F (mut i64) (i64.const 0))
        (func (export "f") (param $a i32) (result i32) (local $c i64)
          (local.set $c (global.get $F))
          (local.set $c (i64.sub (local.get $c) (i64.const 5)))
          (drop (i32.load (local.get $a)))
          (local.set $c (i64.sub (local.get $c) (i64.const 7)))
          (global.set $F (local.get $c))
          (i32.const 1))
        (func $h (param $a i32)
          (global.set $F (i64.sub (global.get $F) (i64.const 100)))
          (drop (i32.load (local.get $a))))
        (func (export "g") (param $a i32) (result i32) (local $c i64)
          (local.set $c (global.get $F))
          (local.set $c (i64.sub (local.get $c) (i64.const 3)))
          (global.set $F (local.get $c))
          (local.set $c (i64.const 0x8000000000000000))
          (call $h (local.get $a))
          (local.set $c (global.get $F))
          (local.set $c (i64.sub (local.get $c) (i64.const 1)))
          (global.set $F (local.get $c))
          (i32.const 2)))
      """;

  private static AtomicLong counterAfter(boolean trapFlush, String export, int address) {
    byte[] bytes = Wat.compile(MODULE);
    run.endive.wasm.WasmModule module = run.endive.wasm.Parser.parse(bytes);
    FuelField.Compiled c = FuelField.compileMeasured(module, 0, trapFlush);
    assertThat(c).isNotNull();
    Instance instance = Instance.builder(module).withMachineFactory(c.factory()).build();
    AtomicLong field = (AtomicLong) instance.getMachine();
    field.setPlain(1000);
    catchThrowable(() -> instance.export(export).apply(address));
    return field;
  }

  @Test
  void aTrapInTheFunctionLeavesItsLocalCountInTheField() {
    assertThat(counterAfter(true, "f", 0).getPlain()).isEqualTo(1000 - 12); // no trap
    assertThat(counterAfter(true, "f", 70_000).getPlain()).isEqualTo(1000 - 5);
    assertThat(counterAfter(false, "f", 70_000).getPlain()).as("without the handler").isEqualTo(1000);
  }

  @Test
  void aTrapInACalleeKeepsTheCalleesCharge() {
    assertThat(counterAfter(true, "g", 0).getPlain()).isEqualTo(1000 - 3 - 100 - 1);
    assertThat(counterAfter(true, "g", 70_000).getPlain()).isEqualTo(1000 - 3 - 100);
  }
}
