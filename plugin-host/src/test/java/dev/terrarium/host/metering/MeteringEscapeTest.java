package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static dev.terrarium.host.metering.Meter.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.host.metering.Meter.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.endive.wasm.Parser;

/** Guests that try to run without paying: each must run out of fuel (or be refused at load). */
class MeteringEscapeTest {
  private static final long SLICE = 1_000;
  private static final long BUDGET = 100_000;

  @TempDir Path dir;

  /** Runs {@code export} of the metered module with a small budget, interpreted and compiled. */
  private void runsOutOfFuel(byte[] module, String export, long... args) {
    runsOutOfFuel(BUDGET, module, export, args);
  }

  private void runsOutOfFuel(long budget, byte[] module, String export, long... args) {
    for (boolean compiled : new boolean[] {false, true}) {
      Run run = instantiate(module, true, compiled, SLICE, budget);
      assertThat(run.call(export, args)).as(export + (compiled ? " compiled" : " interpreted")).isEqualTo("out-of-fuel");
      assertThat(run.refuels).isEqualTo(budget / SLICE);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void startFunctionLoopIsMeteredToo(boolean compiled) {
    byte[] m = dev.terrarium.samples.SamplePlugins.bytes("fixtures/start-loop.wasm");
    assertThat(Meter.outcome(() -> {
      instantiate(m, true, compiled, SLICE, BUDGET);
      return new long[0];
    })).isEqualTo("out-of-fuel");
  }

  @Test
  void tightLoopWithoutCalls() {
    byte[] m = wat(dir, "(module (func (export \"f\") (local i32) (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l))))");
    runsOutOfFuel(m, "f");
  }

  @Test
  void brIfLoop() {
    byte[] m = wat(dir, "(module (func (export \"f\") (loop $l (br_if $l (i32.const 1)))))");
    runsOutOfFuel(m, "f");
  }

  @Test
  void brTableLoop() {
    byte[] m =
        wat(
            dir,
            "(module (func (export \"f\") (block $out (loop $l (br_table $l $l $out (i32.const 1))))))");
    runsOutOfFuel(m, "f");
  }

  @Test
  void deepRecursionRunsOutOfFuelBeforeTheStack() {
    byte[] m =
        wat(dir, "(module (func $r (export \"f\") (param i32) (call $r (i32.add (local.get 0) (i32.const 1)))))");
    runsOutOfFuel(2_000, m, "f", 0);
    // and with ample fuel, the recursion still ends in stack exhaustion
    assertThat(instantiate(m, true, false, SLICE, Long.MAX_VALUE / 2).call("f", 0)).isEqualTo("stack-exhausted");
  }

  @Test
  void callIndirectLoop() {
    byte[] m =
        wat(
            dir,
            "(module (type $t (func)) (table 2 funcref) (elem (i32.const 0) $a $b)"
                + " (func $a (call_indirect (type $t) (i32.const 1)))"
                + " (func $b (call_indirect (type $t) (i32.const 0)))"
                + " (export \"f\" (func $a)))");
    runsOutOfFuel(500, m, "f");
    byte[] loop =
        wat(
            dir,
            "(module (type $t (func)) (table 1 funcref) (elem (i32.const 0) $nothing) (func $nothing)"
                + " (func (export \"f\") (loop $l (call_indirect (type $t) (i32.const 0)) (br $l))))");
    runsOutOfFuel(loop, "f");
  }

  @Test
  void tailCallLoops() {
    byte[] m =
        wat(
            dir,
            "(module (type $t (func (param i64))) (table 1 funcref) (elem (i32.const 0) $i)"
                + " (func $d (export \"direct\") (param i64) (return_call $d (i64.add (local.get 0) (i64.const 1))))"
                + " (func $i (export \"indirect\") (param i64)"
                + "   (return_call_indirect (type $t) (i64.add (local.get 0) (i64.const 1)) (i32.const 0))))",
            "--enable-tail-call");
    runsOutOfFuel(m, "direct", 0);
    runsOutOfFuel(m, "indirect", 0);
  }

  @Test
  void hugeMemoryFillIsChargedBeforeItRuns() {
    byte[] m =
        wat(
            dir,
            "(module (memory (export \"memory\") 16)"
                + " (func (export \"fill\") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))"
                + " (func (export \"peek\") (result i32) (i32.load8_u (i32.const 0))))");
    for (boolean compiled : new boolean[] {false, true}) {
      Run run = instantiate(m, true, compiled, SLICE, BUDGET);
      assertThat(run.call("fill", 1_000_000)).isEqualTo("out-of-fuel");
      assertThat(run.instance.memory().read(0)).as("the fill never ran").isEqualTo((byte) 0);
      Run rich = instantiate(m, true, compiled, SLICE, 2_000_000);
      assertThat(rich.call("fill", 1_000_000)).isEqualTo(List.of());
      assertThat(rich.call("peek")).isEqualTo(List.of(7L));
      assertThat(rich.consumed()).isEqualTo(1_000_000 + 5 + 3); // fill + peek
    }
  }

  @Test
  void bulkCopyAndTableOpsAreChargedPerUnit() {
    byte[] m =
        wat(
            dir,
            "(module (memory 1) (table 10 funcref) (elem $e func $f) (data $d \"abcdefgh\")"
                + " (func $f)"
                + " (func (export \"copy\") (memory.copy (i32.const 100) (i32.const 0) (i32.const 1000)))"
                + " (func (export \"init\") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 8)))"
                + " (func (export \"tfill\") (table.fill 0 (i32.const 0) (ref.func $f) (i32.const 10)))"
                + " (func (export \"tinit\") (table.init $e (i32.const 0) (i32.const 0) (i32.const 1)))"
                + " (func (export \"tgrow\") (result i32) (table.grow 0 (ref.null func) (i32.const 5))))");
    Run run = instantiate(m, true, false, 1, Long.MAX_VALUE / 2);
    long before = run.consumed();
    run.call("copy");
    assertThat(run.consumed() - before).isEqualTo(1000 + 5); // 1000 bytes + 3 consts, memory.copy, end
    before = run.consumed();
    assertThat(run.call("init")).isEqualTo(List.of());
    assertThat(run.consumed() - before).isEqualTo(8 + 5);
    before = run.consumed();
    run.call("tfill");
    assertThat(run.consumed() - before).isEqualTo(10 + 5);
    before = run.consumed();
    run.call("tinit");
    assertThat(run.consumed() - before).isEqualTo(1 + 5);
    before = run.consumed();
    assertThat(run.call("tgrow")).isEqualTo(List.of(10L));
    assertThat(run.consumed() - before).isEqualTo(5 + 4);
  }

  @Test
  void staticCostsFollowTheCostModel() {
    byte[] m =
        wat(
            dir,
            "(module (func (export \"f\") (param i32) (result i32) (local i32)"
                + " (block $out (loop $l (br_if $out (i32.eqz (local.get 0)))"
                + "   (local.set 0 (i32.sub (local.get 0) (i32.const 1)))"
                + "   (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br $l))) (local.get 1)))");
    // Segments, each charged where it starts: [block] [loop] [local.get, i32.eqz, br_if] [8 instructions, br]
    // [end] [end] [local.get, end]. An iteration pays 3 + 9; the exit pays the last test and [local.get, end].
    Run run = instantiate(m, true, false, 1, Long.MAX_VALUE / 2);
    assertThat(run.call("f", 10)).isEqualTo(List.of(10L));
    long ten = run.consumed();
    assertThat(ten).isEqualTo(2 + 10 * 12 + 3 + 2);
    Run run2 = instantiate(m, true, true, 1, Long.MAX_VALUE / 2);
    assertThat(run2.call("f", 20)).isEqualTo(List.of(20L));
    long perIteration = (run2.consumed() - ten) / 10;
    assertThat(run2.consumed() - ten).isEqualTo(perIteration * 10);
    assertThat(perIteration).isEqualTo(3 + 4 + 4 + 1);

    CostModel pricey = CostModel.builder().cost(InstructionClass.CONTROL, 100).build();
    byte[] metered = FuelRewriter.rewrite(m, pricey);
    assertThat(metered).isNotEqualTo(FuelRewriter.rewrite(m, CostModel.defaults()));
    Parser.parse(metered);
  }

  @Test
  void theCounterIsOutOfTheGuestsReach() {
    // A guest that reads a global beyond its own (where the counter will be) is refused, not silently metered.
    byte[] reach =
        wat(dir, "(module (global $g (mut i32) (i32.const 0)) (func (export \"f\") (result i64) (global.get 1)))",
            "--no-check");
    assertThatThrownBy(() -> FuelRewriter.rewrite(reach, CostModel.defaults()))
        .isInstanceOf(MeteringException.class)
        .hasMessageContaining("global index 1")
        .satisfies(e -> assertThat(((MeteringException) e).code()).isEqualTo(ErrorCode.LOAD_INVALID));
    byte[] set =
        wat(dir, "(module (func (export \"f\") (global.set 0 (i64.const 999999))))", "--no-check");
    assertThatThrownBy(() -> FuelRewriter.rewrite(set, CostModel.defaults())).isInstanceOf(MeteringException.class);
    // Calling a function index beyond its own (where the refill helper will be) is refused too.
    byte[] call = wat(dir, "(module (func (export \"f\") (call 1)))", "--no-check");
    assertThatThrownBy(() -> FuelRewriter.rewrite(call, CostModel.defaults()))
        .isInstanceOf(MeteringException.class)
        .hasMessageContaining("function index 1");
    // Importing the refuel function itself is refused.
    byte[] imp = wat(dir, "(module (import \"terrarium_fuel\" \"refuel\" (func (result i64))))");
    assertThatThrownBy(() -> FuelRewriter.rewrite(imp, CostModel.defaults()))
        .isInstanceOf(MeteringException.class)
        .hasMessageContaining("reserved");
    // A guest exporting globals with the counter's would-be names only exports its own globals.
    byte[] names =
        wat(
            dir,
            "(module (global $g (export \"terrarium.fuel\") (mut i64) (i64.const 5))"
                + " (global (export \"refuel\") i32 (i32.const 1))"
                + " (func (export \"f\") (result i64) (global.set $g (i64.const 1000000)) (global.get $g)))");
    for (boolean compiled : new boolean[] {false, true}) {
      Run run = instantiate(names, true, compiled, SLICE, BUDGET);
      assertThat(run.call("f")).isEqualTo(List.of(1_000_000L));
      assertThat(run.instance.global(0).getValue()).isEqualTo(1_000_000L);
      assertThat(run.consumed()).isEqualTo(4); // i64.const, global.set, global.get, end
      assertThat(run.instance.exports().global("terrarium.fuel").getValue()).isEqualTo(1_000_000L);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(module (memory 1 1 shared) (func (export \"f\") (result i32) (i32.atomic.load (i32.const 0))))|--enable-threads|limits",
        "(module (tag $e) (func (export \"f\") (throw $e)))|--enable-exceptions|tag",
        "(module (memory 1) (memory 1) (func (export \"f\") (result i32) (i32.load 1 (i32.const 0))))|--enable-multi-memory|memories",
      })
  void unsupportedFeaturesAreLoadErrors(String spec) {
    String[] p = spec.split("\\|");
    byte[] m = wat(dir, p[0], p[1]);
    assertThatThrownBy(() -> FuelRewriter.rewrite(m, CostModel.defaults()))
        .isInstanceOf(MeteringException.class)
        .hasMessageContaining(p[2])
        .satisfies(e -> assertThat(((MeteringException) e).code()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED));
  }

  @Test
  void atomicsInsideACodeBodyNameTheOpcodeFunctionAndOffset() {
    byte[] m =
        wat(dir, "(module (memory 1 1) (func (export \"f\") (result i32) (i32.atomic.load (i32.const 0))))",
            "--enable-threads");
    assertThatThrownBy(() -> FuelRewriter.rewrite(m, CostModel.defaults()))
        .isInstanceOf(MeteringException.class)
        .hasMessageContaining("0xFE")
        .hasMessageContaining("function 0")
        .hasMessageContaining("byte offset");
  }

  @Test
  void startElementsRefFuncAndCustomSectionsAreKept() {
    byte[] m =
        wat(
            dir,
            "(module (import \"env\" \"log\" (func $log (param i32)))"
                + " (global $g (mut i32) (i32.const 0)) (global $r funcref (ref.func $seven))"
                + " (table 3 funcref) (elem (i32.const 0) $seven $eight) (elem declare func $nine)"
                + " (func $seven (result i32) (i32.const 7)) (func $eight (result i32) (i32.const 8))"
                + " (func $nine (result i32) (i32.const 9))"
                + " (func $start (global.set $g (i32.const 42)) (call $log (i32.const 1)))"
                + " (start $start)"
                + " (func (export \"g\") (result i32) (global.get $g))"
                + " (func (export \"ind\") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))"
                + " (func (export \"set\") (table.set 0 (i32.const 2) (ref.func $nine)))"
                + " (func (export \"viaGlobal\") (result i32) (table.set 0 (i32.const 2) (global.get $r))"
                + "   (call_indirect (result i32) (i32.const 2))))",
            "--debug-names");
    byte[] custom = customSection("terrarium.manifest", "{\"id\":\"x\"}");
    byte[] withCustom = concat(m, custom);
    byte[] metered = FuelRewriter.rewrite(withCustom, CostModel.defaults());
    assertThat(new String(metered, StandardCharsets.ISO_8859_1))
        .contains("terrarium.manifest")
        .contains("{\"id\":\"x\"}");
    for (boolean compiled : new boolean[] {false, true}) {
      Run run = instantiate(withCustom, true, compiled, SLICE, BUDGET);
      assertThat(run.call("g")).as("the start function ran").isEqualTo(List.of(42L));
      assertThat(run.log).containsExactly("env.log[1]");
      assertThat(run.call("ind", 0)).isEqualTo(List.of(7L));
      assertThat(run.call("ind", 1)).isEqualTo(List.of(8L));
      assertThat(run.call("set")).isEqualTo(List.of());
      assertThat(run.call("ind", 2)).isEqualTo(List.of(9L));
      assertThat(run.call("viaGlobal")).isEqualTo(List.of(7L));
      Run original = instantiate(withCustom, false, compiled, SLICE, BUDGET);
      assertThat(original.call("ind", 1)).isEqualTo(List.of(8L));
    }
  }

  @Test
  void malformedInputIsAMalformedLoadError() {
    assertThatThrownBy(() -> FuelRewriter.rewrite(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 100}, CostModel.defaults()))
        .isInstanceOf(MeteringException.class)
        .satisfies(e -> assertThat(((MeteringException) e).code()).isEqualTo(ErrorCode.LOAD_MALFORMED));
    assertThatThrownBy(() -> FuelRewriter.rewrite("garbage!".getBytes(StandardCharsets.UTF_8), CostModel.defaults()))
        .isInstanceOf(MeteringException.class);
  }

  @Test
  void costModelKeyIsStable() {
    assertThat(CostModel.defaults().key())
        .isEqualTo(
            "fuel-v4;control=1;call=1;variable=1;memory=1;numeric=1;reference=1;simd=1;page=1024;byte=1;element=1");
    CostModel a = CostModel.builder().cost(InstructionClass.CALL, 10).perByte(2).build();
    CostModel b = CostModel.builder().perByte(2).cost(InstructionClass.CALL, 10).build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.key()).isNotEqualTo(CostModel.defaults().key()).contains("call=10").contains("byte=2");
    assertThatThrownBy(() -> CostModel.builder().perPage(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  static byte[] customSection(String name, String payload) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    int size = 1 + n.length + p.length;
    byte[] out = new byte[2 + size];
    out[0] = 0;
    out[1] = (byte) size; // < 128 in tests
    out[2] = (byte) n.length;
    System.arraycopy(n, 0, out, 3, n.length);
    System.arraycopy(p, 0, out, 3 + n.length, p.length);
    return out;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
