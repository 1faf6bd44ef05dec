package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Counted loops paid by the chunk ({@link CountedLoop}): every shape of loop the rewriter recognises, entered with
 * values at and beyond the edges of what the driver accepts, returns what it returns unmetered and pays exactly
 * what the same loop pays charged once per iteration, under the interpreter and the compiler and with slices
 * small enough that chunks often find the counter short. A trap inside such a loop forfeits at most one chunk,
 * and a tenant whose fuel runs out is stopped at the same iteration. Shapes it must not take run as before.
 */
class CountedLoopTest {
  private static final long AMPLE = Long.MAX_VALUE / 4;
  private static final int MAX = Integer.MAX_VALUE;
  private static final int MIN = Integer.MIN_VALUE;

  /**
   * One export per shape, each {@code (i, n, s) -> checksum}: the loop mixes every value of its induction local
   * into a checksum and stores the latest at address 0; the result also holds the local's final value.
   */
  private static final String LOOPS =
      """
      (module
        (memory 1)
        (func $mix (param $sum i32) (param $i i32) (result i32)
          (i32.xor (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)) (i32.mul (local.get $i) (i32.const 7))))
        (func (export "lt_s_tee") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 3))) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "lt_u_step") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (local.set $i (i32.add (local.get $i) (local.get $s)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "le_s_step_first") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $i (i32.add (local.get $s) (local.get $i)))
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.le_s (local.get $i) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "le_u_const") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.le_u (local.tee $i (i32.add (local.get $i) (i32.const 5))) (i32.const 40000))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "gt_u_mirrored") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.gt_u (local.get $n) (local.tee $i (i32.add (local.get $i) (i32.const 2))))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "gt_s_sub") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.gt_s (local.tee $i (i32.sub (local.get $i) (i32.const 2))) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "ge_u_sub_step") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (local.set $i (i32.sub (local.get $i) (local.get $s)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.ge_u (local.get $i) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "le_s_mirrored_down") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.le_s (local.get $n) (local.tee $i (i32.add (local.get $i) (i32.const -3))))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "ne_up") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "ne_down") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const -1)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.ne (local.get $n) (local.get $i))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "ne_step") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (local.get $s))) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "countdown") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))
            (i32.store (i32.const 0) (local.get $i))
            (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
          (call $mix (local.get $sum) (local.get $i)))
        (func (export "load_until") (param $i i32) (param $n i32) (param $s i32) (result i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $i))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $n))))
          (call $mix (local.get $sum) (local.get $i)))
      )
      """;

  /** Arguments {@code (i, n, s)} per export: ordinary counts, counts of 1 and 2, and the edges of the guards. */
  private static final Object[][] CASES = {
    {"lt_s_tee", 0, 100, 0}, {"lt_s_tee", 5, 6, 0}, {"lt_s_tee", 5, 9, 0}, {"lt_s_tee", -50_000, 70_001, 0},
    {"lt_s_tee", 100, -100, 0}, {"lt_s_tee", MAX - 30, MAX - 2, 0}, {"lt_s_tee", MAX - 31, MAX - 1, 0},
    {"lt_u_step", 0, 1000, 7}, {"lt_u_step", 3, 4, 1}, {"lt_u_step", -100, -1, 3}, {"lt_u_step", -60, -3, 3},
    {"lt_u_step", -64, -2, 2}, {"lt_u_step", 10, 20, -1 >>> 1},
    {"le_s_step_first", 0, 5000, 1}, {"le_s_step_first", -10, 10, 10}, {"le_s_step_first", MAX - 10, MAX - 1, 2},
    {"le_s_step_first", MAX - 8, MAX - 1, 1}, {"le_s_step_first", 0, 0, 1}, {"le_s_step_first", 7, 3, 1},
    {"le_u_const", 0, 0, 0}, {"le_u_const", 39_999, 0, 0}, {"le_u_const", 40_000, 0, 0},
    {"gt_u_mirrored", 0, 1001, 0}, {"gt_u_mirrored", 0, 1, 0}, {"gt_u_mirrored", -40, -2, 0},
    {"gt_u_mirrored", -41, -1, 0},
    {"gt_s_sub", 1000, -1000, 0}, {"gt_s_sub", 1, 0, 0}, {"gt_s_sub", MIN + 40, MIN + 2, 0},
    {"gt_s_sub", MIN + 41, MIN + 1, 0}, {"gt_s_sub", MIN + 40, MIN + 1, 0}, {"gt_s_sub", MIN + 40, MIN, 0},
    {"ge_u_sub_step", 5000, 7, 3}, {"ge_u_sub_step", 30, 4, 4}, {"ge_u_sub_step", 30, 2, 2}, {"ge_u_sub_step", 33, 2, 4}, {"ge_u_sub_step", 4, 4, 4},
    {"le_s_mirrored_down", 999, -999, 0}, {"le_s_mirrored_down", MIN + 30, MIN + 3, 0}, {"le_s_mirrored_down", 2, 0, 0},
    {"ne_up", 0, 4000, 0}, {"ne_up", -20, 20, 0}, {"ne_up", 12, 16, 0}, {"ne_up", -8, 40, 0},
    {"ne_down", 3000, 0, 0}, {"ne_down", 5, 4, 0}, {"ne_down", 3, -3, 0},
    {"ne_step", 0, 3000, 3}, {"ne_step", 0, 3000, 1000}, {"ne_step", 0, 3000, 1500}, {"ne_step", 10, 7, -1},
    {"ne_step", 10, 5, -5}, {"ne_step", -6, 6, 4},
    {"countdown", 3000, 0, 0}, {"countdown", 1, 0, 0}, {"countdown", 2, 0, 0},
    {"load_until", 0, 4096, 0}, {"load_until", 65_000, 70_000, 0},
  };

  private static byte[] module() {
    return Meter.wat(null, LOOPS);
  }

  /** Calls every case; each outcome is followed by the value stored at address 0 and the call's fuel. */
  private static List<Object> runAll(Run run) {
    List<Object> out = new ArrayList<>();
    for (Object[] c : CASES) {
      long before = run.metered ? run.consumed() : 0;
      out.add(c[0] + " " + run.call((String) c[0], Meter.args(c[1], c[2], c[3])));
      out.add(run.instance.memory().readInt(0));
      out.add(run.metered ? run.consumed() - before : 0L);
    }
    return out;
  }

  private static Run run(boolean metered, boolean compiled, boolean counted, long slice, long budget) {
    Meter.counted = counted;
    try {
      return instantiate(module(), metered, compiled, slice, budget);
    } finally {
      Meter.counted = true;
    }
  }

  private static List<Object> withoutFuel(List<Object> r) {
    List<Object> out = new ArrayList<>();
    for (int k = 0; k < r.size(); k += 3) {
      out.add(r.get(k));
      out.add(r.get(k + 1));
    }
    return out;
  }

  @Test
  void everyLoopRecognisedHasADriver() {
    byte[] bytes = module();
    int countedLoops = 0;
    byte[] metered = FuelRewriter.rewrite(bytes, CostModel.defaults(), true);
    byte[] plain = FuelRewriter.rewrite(bytes, CostModel.defaults(), false);
    run.endive.wasm.WasmModule m = run.endive.wasm.Parser.parse(metered);
    run.endive.wasm.WasmModule p = run.endive.wasm.Parser.parse(plain);
    for (int f = 0; f < m.codeSection().functionBodyCount(); f++) {
      long loops = count(m, f, run.endive.wasm.types.OpCode.LOOP);
      long before = count(p, f, run.endive.wasm.types.OpCode.LOOP);
      if (loops > before) {
        countedLoops++;
        assertThat(loops).as("function %d: its loop, the driver's and the copy's", f).isEqualTo(before + 2);
      }
    }
    // every export but mix's helper; load_until too (its loads may trap, which is allowed)
    assertThat(countedLoops).isEqualTo(13);
  }

  private static long count(run.endive.wasm.WasmModule m, int f, run.endive.wasm.types.OpCode op) {
    return m.codeSection().getFunctionBody(f).instructions().stream().filter(i -> i.opcode() == op).count();
  }

  @ParameterizedTest
  @ValueSource(longs = {1_000_000, 1_000, 37})
  void everyShapeReturnsWhatItReturnsUnmetered_andPaysWhatEachIterationCharged(long slice) {
    List<Object> expected = withoutFuel(runAll(run(false, false, false, slice, AMPLE)));
    List<Object> reference = runAll(run(true, false, false, slice, AMPLE));
    assertThat(withoutFuel(reference)).isEqualTo(expected);
    for (boolean compiled : new boolean[] {false, true}) {
      List<Object> got = runAll(run(true, compiled, true, slice, AMPLE));
      for (int k = 0; k < got.size(); k += 3) {
        if (String.valueOf(got.get(k)).contains("trap:")) {
          continue; // compared by the trap test below
        }
        assertThat(got.subList(k, k + 3))
            .as("%s, %s, slice %d", got.get(k), compiled ? "compiled" : "interpreted", slice)
            .isEqualTo(reference.subList(k, k + 3));
      }
    }
    assertThat(expected.toString()).contains("load_until trap:");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTrapInsideACountedLoopForfeitsAtMostOneChunk(boolean compiled) {
    Run counted = run(true, compiled, true, 1_000_000, AMPLE);
    Run perIteration = run(true, compiled, false, 1_000_000, AMPLE);
    Object a = counted.call("load_until", 0, 1 << 20, 0);
    Object b = perIteration.call("load_until", 0, 1 << 20, 0);
    assertThat(a).isEqualTo(b).asString().startsWith("trap:");
    long paid = counted.consumed();
    long ran = perIteration.consumed();
    assertThat(paid).as("never less than what ran").isGreaterThanOrEqualTo(ran);
    assertThat(paid - ran).as("the rest of one chunk at most").isPositive().isLessThanOrEqualTo(CountedLoop.CHUNK_UNITS);
    // the instance goes on and pays exactly again
    assertThat(counted.call("ne_up", 0, 400, 0)).isEqualTo(perIteration.call("ne_up", 0, 400, 0));
    assertThat(counted.consumed() - paid).isEqualTo(perIteration.consumed() - ran);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTenantWhoseFuelRunsOutIsStoppedAtTheSameIteration(boolean compiled) {
    for (long budget : new long[] {10_000, 123_457}) {
      Run counted = run(true, compiled, true, 1_000, budget);
      Run perIteration = run(true, compiled, false, 1_000, budget);
      assertThat(counted.call("lt_u_step", 0, 1 << 30, 1)).isEqualTo("out-of-fuel");
      assertThat(perIteration.call("lt_u_step", 0, 1 << 30, 1)).isEqualTo("out-of-fuel");
      int last = counted.instance.memory().readInt(0);
      assertThat(last).as("iterations run with a budget of %d", budget).isPositive();
      assertThat(last).isEqualTo(perIteration.instance.memory().readInt(0));
      assertThat(counted.consumed()).isEqualTo(perIteration.consumed());
    }
  }

  /**
   * A module of random counted loops: each function picks a comparison (or a count-down), which side the
   * induction local is on, a constant or local bound, a constant or local step added or subtracted, and how the
   * update reaches the condition. Each loop also stores to an address that grows by 4 per iteration, so any loop
   * traps after 16 384 iterations at most, whatever its arguments (a loop that would wrap, or never meet its bound,
   * ends there).
   */
  private static String randomLoops(java.util.Random rnd, int functions) {
    String[] cmps = {"ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"};
    StringBuilder w = new StringBuilder("(module (memory 1)\n");
    for (int f = 0; f < functions; f++) {
      String step = rnd.nextBoolean() ? "(local.get $s)" : "(i32.const " + smallOrEdge(rnd) + ")";
      String op = rnd.nextBoolean() ? "i32.add" : "i32.sub";
      String bound = rnd.nextBoolean() ? "(local.get $n)" : "(i32.const " + smallOrEdge(rnd) + ")";
      int form = rnd.nextInt(3);
      String update =
          form == 2 && op.equals("i32.add")
              ? "(" + op + " " + step + " (local.get $i))"
              : "(" + op + " (local.get $i) " + step + ")";
      String before = form == 0 ? "" : "(local.set $i " + update + ")";
      String iv = form == 0 ? "(local.tee $i " + update + ")" : "(local.get $i)";
      String cond;
      if (form == 0 && rnd.nextInt(6) == 0) {
        cond = iv; // a count-down: while the updated local is not zero
      } else {
        String cmp = cmps[rnd.nextInt(cmps.length)];
        cond = rnd.nextBoolean() ? "(i32." + cmp + " " + iv + " " + bound + ")" : "(i32." + cmp + " " + bound + " " + iv + ")";
      }
      w.append("(func (export \"f").append(f).append("\") (param $i i32) (param $n i32) (param $s i32) (result i32)")
          .append(" (local $sum i32) (local $k i32)\n")
          .append("  (loop $l\n")
          .append("    (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $i)))\n")
          .append("    (local.set $k (i32.add (local.get $k) (i32.const 4)))\n")
          .append("    (i32.store (local.get $k) (local.get $i))\n")
          .append("    ").append(before).append("\n")
          .append("    (br_if $l ").append(cond).append("))\n")
          .append("  (i32.xor (local.get $sum) (i32.mul (local.get $i) (i32.const 7))))\n");
    }
    return w.append(")").toString();
  }

  /** Mostly small values, sometimes near the ends of the i32 range, sometimes anything. */
  private static int smallOrEdge(java.util.Random rnd) {
    switch (rnd.nextInt(6)) {
      case 0:
        return MAX - rnd.nextInt(40);
      case 1:
        return MIN + rnd.nextInt(40);
      case 2:
        return rnd.nextInt();
      case 3:
        return -rnd.nextInt(5000);
      default:
        return rnd.nextInt(5000);
    }
  }

  private static int step(java.util.Random rnd) {
    int[] steps = {1, -1, 2, -2, 3, -3, 4, -4, 7, -7, 16, MAX, MIN, 0};
    return rnd.nextInt(4) == 0 ? smallOrEdge(rnd) : steps[rnd.nextInt(steps.length)];
  }

  /**
   * Under {@code FAST} accounting (the counter in a function local, which the driver then reads and writes) only
   * calls that return are compared for fuel: a call that traps is charged all it drew either way.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"1000000, EXACT", "50, EXACT", "1000000, FAST", "50, FAST"})
  void randomCountedLoopsBehaveAndPayAsChargedPerIteration(long slice, CostModel.Accounting accounting) {
    Meter.model = CostModel.builder().accounting(accounting).build();
    try {
      randomCountedLoops(slice, accounting == CostModel.Accounting.EXACT);
    } finally {
      Meter.model = CostModel.defaults();
    }
  }

  private void randomCountedLoops(long slice, boolean exact) {
    long seed = Long.getLong("metering.fuzz.seed", 20261204L);
    java.util.Random rnd = new java.util.Random(seed);
    int functions = 60;
    byte[] bytes = Meter.wat(null, randomLoops(rnd, functions));
    List<long[]> calls = new ArrayList<>();
    for (int f = 0; f < functions; f++) {
      for (int c = 0; c < 10; c++) {
        calls.add(new long[] {f, smallOrEdge(rnd), smallOrEdge(rnd), step(rnd)});
      }
    }
    Run plain = instantiate(bytes, false, false, slice, AMPLE);
    Meter.counted = false;
    Run perIterationRun;
    try {
      perIterationRun = instantiate(bytes, true, false, slice, AMPLE);
    } finally {
      Meter.counted = true;
    }
    Run interpreted = instantiate(bytes, true, false, slice, AMPLE);
    Run compiled = instantiate(bytes, true, true, slice, AMPLE);
    int returned = 0;
    int trapped = 0;
    int forfeited = 0;
    for (long[] c : calls) {
      String name = "f" + c[0];
      long[] args = {c[1], c[2], c[3]};
      Object expected = plain.call(name, args);
      long before = perIterationRun.consumed();
      assertThat(perIterationRun.call(name, args)).isEqualTo(expected);
      long fuel = perIterationRun.consumed() - before;
      for (Run r : List.of(interpreted, compiled)) {
        String what = name + java.util.Arrays.toString(args) + (r == compiled ? " compiled" : " interpreted");
        long b = r.consumed();
        assertThat(r.call(name, args)).as(what).isEqualTo(expected);
        assertThat(r.instance.memory().readBytes(0, 1 << 16))
            .as(what + " memory")
            .isEqualTo(plain.instance.memory().readBytes(0, 1 << 16));
        long paid = r.consumed() - b;
        if (expected instanceof List) {
          assertThat(paid).as(what + " fuel").isEqualTo(fuel);
        } else if (exact) {
          assertThat(paid).as(what + " fuel after a trap").isBetween(fuel, fuel + CountedLoop.CHUNK_UNITS);
          forfeited += paid > fuel ? 1 : 0;
        }
      }
      if (expected instanceof List) {
        returned++;
      } else {
        trapped++;
      }
    }
    assertThat(returned).as("calls that returned").isGreaterThan(calls.size() / 3);
    assertThat(trapped).as("calls that trapped").isPositive();
    assertThat(forfeited > 0 || !exact).as("trapping calls inside a chunk (the driver ran)").isTrue();
    byte[] metered = FuelRewriter.rewrite(bytes, Meter.model, true);
    byte[] perIteration = FuelRewriter.rewrite(bytes, Meter.model, false);
    run.endive.wasm.WasmModule m = run.endive.wasm.Parser.parse(metered);
    run.endive.wasm.WasmModule p = run.endive.wasm.Parser.parse(perIteration);
    int withDriver = 0;
    for (int f = 0; f < functions; f++) {
      if (count(m, f, run.endive.wasm.types.OpCode.LOOP) > count(p, f, run.endive.wasm.types.OpCode.LOOP)) {
        withDriver++;
      }
    }
    System.out.printf(
        "counted loops (slice %d, %s): %d of %d random loops counted, %d calls returned, %d trapped (%d inside a "
            + "chunk)%n",
        slice, Meter.model.accounting(), withDriver, functions, returned, trapped, forfeited);
    assertThat(withDriver).as("random loops that got a driver").isGreaterThan(functions / 2);
  }

  /**
   * A damaged module whose damage falls in a counted loop: every truncation and every single-byte change of the
   * code section either gives a {@link MeteringException} with a load error code or a metered module that the
   * engine's parser accepts (the change left valid code, metered as such); nothing else escapes the rewriter.
   * Through {@code PluginHost} a damaged module is a typed load error, and the same host then meters and runs the
   * intact module. (The host validates a module before metering it; this checks the rewriter on its own too.)
   */
  @Test
  void damageInACountedLoopIsALoadErrorAndTheHostGoesOn() {
    String source =
        "(module (func (export \"f\") (param $i i32) (param $n i32) (result i32) (local $s i32)"
            + " (loop $l (local.set $s (i32.add (local.get $s) (local.get $i)))"
            + "  (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))"
            + " (local.get $s)))";
    byte[] good = Meter.wat(null, source);
    assertThat(FuelRewriter.rewrite(good, CostModel.defaults(), true))
        .isNotEqualTo(FuelRewriter.rewrite(good, CostModel.defaults(), false)); // it is counted
    int code = codeSectionStart(good);
    int errors = 0;
    int accepted = 0;
    for (int cut = code; cut < good.length; cut++) {
      errors += rewriteOrLoadError(java.util.Arrays.copyOf(good, cut)) ? 0 : 1;
    }
    for (int at = code; at < good.length; at++) {
      for (int v : new int[] {0x00, 0x0B, 0x0D, 0x20, 0x41, 0x7F, 0x80, 0xFF}) {
        byte[] bad = good.clone();
        bad[at] = (byte) v;
        if (rewriteOrLoadError(bad)) {
          accepted++;
        } else {
          errors++;
        }
      }
    }
    assertThat(errors).as("damaged modules refused with a load error").isPositive();
    assertThat(accepted).as("changes that left valid code").isPositive();
    try (dev.terrarium.host.PluginHost host = dev.terrarium.host.PluginHost.builder().meterFuel().build()) {
      dev.terrarium.host.Tenant t = host.tenant("t", dev.terrarium.api.FuelPolicy.unlimited());
      byte[] bad = good.clone();
      bad[bad.length - 3] = (byte) 0xFF; // inside the function body
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.load(bad))
          .isInstanceOf(dev.terrarium.api.PluginLoadException.class)
          .satisfies(
              e ->
                  assertThat(((dev.terrarium.api.PluginLoadException) e).code().name()).startsWith("LOAD_"));
      try (dev.terrarium.host.PluginInstance i =
          host.load(good).instantiate(t, dev.terrarium.host.InstanceOptions.defaults())) {
        assertThat(i.call("f", 0, 1000)).containsExactly(499_500);
        assertThat(i.lastCallFuel()).isPositive();
      }
    }
  }

  /** The offset of the code section's contents. */
  private static int codeSectionStart(byte[] m) {
    int p = 8;
    while (p < m.length) {
      int id = m[p++] & 0xFF;
      long size = 0;
      int shift = 0;
      int b;
      do {
        b = m[p++] & 0xFF;
        size |= (long) (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if (id == 10) {
        return p;
      }
      p += (int) size;
    }
    throw new AssertionError("no code section");
  }

  /**
   * Meters {@code module}: returns true when the rewriter accepts it (and its output then parses wherever the input
   * does), false when it refuses it with a load error; fails on any other exception.
   */
  private static boolean rewriteOrLoadError(byte[] module) {
    byte[] out;
    try {
      out = FuelRewriter.rewrite(module, CostModel.defaults());
    } catch (MeteringException e) {
      assertThat(e.code().name()).startsWith("LOAD_");
      return false;
    }
    boolean inputParses;
    try {
      run.endive.wasm.Parser.parse(module);
      inputParses = true;
    } catch (RuntimeException e) {
      inputParses = false;
    }
    if (inputParses) {
      run.endive.wasm.Parser.parse(out); // throws if the metered module is not one the engine reads
    }
    return true;
  }

  /** Loops the driver must not take: each runs as before, with the same fuel. */
  private static final String NOT_COUNTED =
      """
      (module
        (memory 1)
        (global $g (mut i32) (i32.const 0))
        (func (export "bound_written") (param $i i32) (param $n i32) (result i32)
          (loop $l
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
          (i32.add (local.get $i) (local.get $n)))
        (func (export "written_twice") (param $i i32) (param $n i32) (result i32)
          (loop $l
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
          (local.get $i))
        (func (export "read_before_update") (param $i i32) (param $n i32) (result i32)
          (local $old i32)
          (loop $l
            (local.set $old (local.get $i))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_s (local.get $old) (local.get $n))))
          (local.get $i))
        (func (export "data_dependent") (param $i i32) (param $n i32) (result i32)
          (loop $l
            (i32.store (local.get $i) (local.get $i))
            (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.load (i32.const 8)))))
          (local.get $i))
        (func (export "wrong_direction") (param $i i32) (param $n i32) (result i32)
          (loop $l
            (br_if $l (i32.gt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
          (local.get $i))
        (func (export "with_a_branch") (param $i i32) (param $n i32) (result i32)
          (loop $l
            (if (i32.eqz (local.get $i)) (then (global.set $g (i32.const 1))))
            (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
          (local.get $i))
        (func (export "with_a_result") (param $i i32) (param $n i32) (result i32)
          (loop $l (result i32)
            (local.get $i)
            (br_if $l (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n)))))
        (func (export "equal") (param $i i32) (param $n i32) (result i32)
          (loop $l
            (br_if $l (i32.eq (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
          (local.get $i))
        (func (export "step_written") (param $i i32) (param $n i32) (result i32)
          (local $s i32)
          (local.set $s (i32.const 1))
          (loop $l
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (local.get $s)))
            (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
          (local.get $i))
      )
      """;

  @Test
  void otherLoopsAreLeftAsTheyWere() {
    byte[] bytes = Meter.wat(null, NOT_COUNTED);
    assertThat(FuelRewriter.rewrite(bytes, CostModel.defaults(), true))
        .isEqualTo(FuelRewriter.rewrite(bytes, CostModel.defaults(), false));
    Run metered = instantiate(bytes, true, true, 1_000, AMPLE);
    Run plain = instantiate(bytes, false, false, 1_000, AMPLE);
    for (String name :
        List.of(
            "bound_written", "written_twice", "read_before_update", "data_dependent", "wrong_direction",
            "with_a_branch", "with_a_result", "equal", "step_written")) {
      assertThat(metered.call(name, 0, 100)).as(name).isEqualTo(plain.call(name, 0, 100));
    }
  }
}
