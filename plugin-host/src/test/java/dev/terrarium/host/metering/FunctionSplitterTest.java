package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.endive.wasm.Parser;

/**
 * Moving constructs out of large functions ({@link FunctionSplitter}) changes neither what a call returns, traps or
 * writes, nor the fuel it pays, under the interpreter and the compiler; every way out of a moved construct is
 * taken. The samples run split in {@link MeteringSamplesTest} and random modules in {@link
 * MeteringDifferentialTest}; the engine test {@code SplitMethodsTest} checks the bytecode sizes.
 */
class FunctionSplitterTest {
  private static final long AMPLE = Long.MAX_VALUE / 4;

  @TempDir Path dir;

  /** Functions whose constructs leave in every way there is: each is called with arguments that take each. */
  private static final String EXITS =
      """
      (module
        (memory 1)
        (type $pair (func (param i32 i32) (result i32 i64)))
        (func $exits (export "exits") (param $x i32) (result i32)
          (local $a i32) (local $b i64)
          (block $out
            (block $mid
              (block $in
                (local.set $a (i32.add (local.get $x) (i32.const 1)))
                (i32.store (i32.const 16) (local.get $a))
                (br_if $out (i32.eq (local.get $x) (i32.const 1)))
                (br_if $mid (i32.eq (local.get $x) (i32.const 2)))
                (if (i32.eq (local.get $x) (i32.const 3)) (then (return (i32.const 333))))
                (if (i32.eq (local.get $x) (i32.const 4)) (then (br $out)))
                (if (i32.eq (local.get $x) (i32.const 5)) (then (br 4 (i32.const 555))))
                (if (i32.eq (local.get $x) (i32.const 6)) (then (unreachable)))
                (local.set $b (i64.const 7)))
              (local.set $a (i32.mul (local.get $a) (i32.const 10))))
            (local.set $a (i32.add (local.get $a) (i32.wrap_i64 (local.get $b)))))
          (local.get $a))
        (func (export "loops") (param $n i32) (result i32)
          (local $i i32) (local $s i32)
          (loop $top
            (block $body
              (local.set $s (i32.add (local.get $s) (local.get $i)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $top (i32.lt_u (local.get $i) (local.get $n)))))
          (local.get $s))
        (func (export "switch") (param $x i32) (result i32)
          (local $r i32)
          (block $done
            (block $c2
              (block $c1
                (block $c0
                  (block $inner
                    (br_table $c0 $c1 $c2 $inner $done (local.get $x)))
                  (local.set $r (i32.const 99))
                  (br $done))
                (local.set $r (i32.add (local.get $r) (i32.const 10)))
                (br $done))
              (local.set $r (i32.const 11))
              (br $done))
            (local.set $r (i32.const 12)))
          (local.get $r))
        (func (export "ifs") (param $x i32) (result i64)
          (local $t i32) (local $w i64)
          (i32.const 5)
          (i32.const 6)
          (local.get $x)
          (if (type $pair)
            (then (i32.add) (local.tee $t) (i64.const 100))
            (else (i32.sub) (i64.const 200)))
          (local.set $w)
          (i64.extend_i32_s)
          (local.get $w)
          (i64.add)
          (i64.extend_i32_s (local.get $t))
          (i64.add))
        (func (export "floats") (param $x i32) (result f64)
          (local $d f64)
          (local.set $d (f64.const -1))
          (block $out
            (local.set $d
              (block (result f64)
                (br_if $out (local.get $x))
                (f64.const 2.5))))
          (local.get $d))
        (func (export "voidReturn") (param $x i32)
          (block $a
            (block $b
              (i32.store (i32.const 32) (i32.const 1))
              (br_if 2 (local.get $x))
              (i32.store (i32.const 32) (i32.const 2))
              (br_table $a $b 2 (i32.sub (local.get $x) (i32.const 0))))
            (i32.store (i32.const 36) (i32.const 3))))
        (func (export "recurse") (param $n i32) (result i32)
          (if (result i32) (i32.eqz (local.get $n))
            (then (i32.load (i32.const 16)))
            (else
              (block (result i32)
                (i32.add (call $exits (local.get $n))
                         (call 6 (i32.sub (local.get $n) (i32.const 1))))))))
        (func (export "sum") (result i32)
          (i32.add (i32.load (i32.const 16)) (i32.add (i32.load (i32.const 32)) (i32.load (i32.const 36))))))
      """;

  @Test
  void everyWayOutOfAMovedConstructBehavesAndPaysTheSame() throws Exception {
    byte[] bytes = Meter.wat(dir, EXITS);
    List<Object> expected = script(instantiate(bytes, false, false, 1_000, AMPLE));
    assertThat(expected.toString()).contains("333").contains("trap:");
    Long fuel = null;
    int splitSomewhere = 0;
    for (int limit : new int[] {0, 30, 60, 100, 160}) {
      byte[] metered = FuelRewriter.rewrite(bytes, CostModel.defaults());
      if (limit > 0) {
        byte[] split = FunctionSplitter.split(metered, limit);
        Parser.parse(split);
        MeteringDifferentialTest.validate(split, dir.resolve("split" + limit + ".wasm"));
        if (functions(split) > functions(metered)) {
          splitSomewhere++;
        }
      }
      Meter.splitLimit = limit;
      try {
        for (boolean compiled : new boolean[] {false, true}) {
          // A small slice: refuels in the middle of moved code too
          Run run = instantiate(bytes, true, compiled, 97, AMPLE);
          assertThat(script(run)).as("limit %d, compiled %s", limit, compiled).isEqualTo(expected);
          if (fuel == null) {
            fuel = run.consumed();
          }
          assertThat(run.consumed()).as("fuel at limit %d, compiled %s", limit, compiled).isEqualTo(fuel);
        }
      } finally {
        Meter.splitLimit = 0;
      }
    }
    assertThat(splitSomewhere).as("limits at which a function was split").isEqualTo(4);
  }

  private static List<Object> script(Run run) {
    List<Object> out = new ArrayList<>();
    for (int x = 0; x <= 7; x++) {
      out.add(run.call("exits", x));
      out.add(run.call("switch", x));
      out.add(run.call("ifs", x));
      out.add(run.call("floats", x));
      out.add(run.call("voidReturn", x));
      out.add(run.call("sum"));
    }
    out.add(run.call("loops", 0));
    out.add(run.call("loops", 100));
    out.add(run.call("recurse", 3));
    return out;
  }

  /** The number of functions a module defines. */
  private static int functions(byte[] module) {
    return Parser.parse(module).functionSection().functionCount();
  }

  @Test
  void aModuleWithNothingTooLargeIsReturnedAsItIs() {
    byte[] metered = FuelRewriter.rewrite(Meter.wat(dir, EXITS), CostModel.defaults());
    assertThat(FunctionSplitter.split(metered)).isSameAs(metered);
  }

  @Test
  void aModuleWithTailCallsIsLeftAsItIs() {
    String source =
        """
        (module
          (func $f (param i32) (result i32)
            (block $b (br_if $b (local.get 0)) (drop (i32.add (local.get 0) (i32.const 1))))
            (return_call $g (local.get 0)))
          (func $g (param i32) (result i32) (local.get 0))
          (export "f" (func $f)))
        """;
    byte[] metered = FuelRewriter.rewrite(Meter.wat(dir, source, "--enable-tail-call"), CostModel.defaults());
    assertThat(FunctionSplitter.split(metered, 10)).isSameAs(metered);
  }

  @Test
  void constructsThatCannotMoveStayWhereTheyAre() {
    // every block returns the function's value conditionally (br_if to the function's label with a value),
    // which a moved block could not do: nothing moves, however small the limit, and the module still runs
    String source =
        "(module (func (export \"f\") (param i32) (result i32)"
            + " (block (br_if 1 (i32.const 7) (local.get 0)) (drop))".repeat(40)
            + " (i32.const 9)))";
    byte[] bytes = Meter.wat(dir, source);
    assertThat(FunctionSplitter.split(bytes, 30)).isSameAs(bytes);
    for (boolean compiled : new boolean[] {false, true}) {
      Run run = instantiate(FunctionSplitter.split(bytes), false, compiled, 1_000, AMPLE);
      assertThat(run.call("f", 1)).isEqualTo(List.of(7L));
      assertThat(run.call("f", 0)).isEqualTo(List.of(9L));
    }
  }

  @Test
  void whatItCannotReadItReturnsUnchanged_withAWarning() {
    byte[] garbage = {0, 'a', 's', 'm', 1, 0, 0, 0, 10, 5, 1, 3, 0, 0x41};
    List<String> warnings = new ArrayList<>();
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.terrarium.host");
    java.util.logging.Handler handler =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            if (r.getLevel() == java.util.logging.Level.WARNING) {
              warnings.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    try {
      assertThat(FunctionSplitter.split(garbage)).isSameAs(garbage);
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(warnings).singleElement().asString().contains("could not split").contains("runs unsplit");
  }
}
