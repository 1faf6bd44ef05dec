package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static dev.terrarium.host.metering.Meter.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.OpCode;

/**
 * Where {@link ChargePlan} puts charges (docs/metering.md, "Fewer charges"): how many charge sites a function keeps,
 * that calls that return pay exactly what they paid with a charge at every segment, and that the plan gives way
 * (cycles, huge sums) without ever failing a module. MeteringDifferentialTest compares the two on random modules.
 */
class ChargePlanTest {
  @TempDir Path dir;

  /** The number of charges ({@code i64.sub} on the counter) in defined function {@code index} of a metered module. */
  private static long charges(byte[] metered, int index) {
    return Meter.count(metered, index, OpCode.I64_SUB);
  }

  private static long fuel(byte[] module, boolean planned, boolean compiled, String export, long... args) {
    return fuel(module, planned, compiled, 1_000, export, args);
  }

  private static long fuel(
      byte[] module, boolean planned, boolean compiled, long slice, String export, long... args) {
    Meter.planned = planned;
    try {
      Run run = instantiate(module, true, compiled, slice, Long.MAX_VALUE / 2);
      long before = run.consumed();
      Object outcome = run.call(export, args);
      assertThat(outcome).isInstanceOf(List.class);
      return run.consumed() - before;
    } finally {
      Meter.planned = true;
    }
  }

  /** The shape clang gives a naive recursive Fibonacci (the fib kernel): one loop around one recursive call. */
  private static final String FIB =
      "(module (func $fib (param i32) (result i32) (local i32 i32)"
          + " local.get 0 i32.const 2 i32.lt_s if local.get 0 return end"
          + " loop"
          + "  local.get 0 i32.const 1 i32.sub call $fib local.get 1 i32.add local.set 1"
          + "  local.get 0 i32.const 3 i32.gt_u local.set 2"
          + "  local.get 0 i32.const 2 i32.sub local.set 0"
          + "  local.get 2 br_if 0"
          + " end"
          + " local.get 0 local.get 1 i32.add)"
          + " (func (export \"fib\") (param i32) (result i32) (call $fib (local.get 0))))";

  private static final CostModel FAST = CostModel.builder().accounting(CostModel.Accounting.FAST).build();

  /**
   * Early exits, as clang writes them: {@code block ... br_if 0 ... end} three deep. Under FAST accounting each
   * fall-through is paid with the code before its {@code br_if}, and a taken exit gets it back.
   */
  private static final String EXITS =
      "(module (memory 1) (func (export \"f\") (param i32) (result i32) (local i32)"
          + " block"
          + "  local.get 0 i32.const 1 i32.and br_if 0"
          + "  i32.const 16 local.get 0 i32.store local.get 0 i32.const 3 i32.mul local.set 1"
          + "  local.get 0 i32.const 2 i32.and br_if 0"
          + "  local.get 1 i32.const 7 i32.add local.set 1 i32.const 20 local.get 1 i32.store"
          + "  block"
          + "   local.get 0 i32.const 4 i32.and br_if 0"
          + "   local.get 1 local.get 1 i32.mul local.set 1"
          + "  end"
          + "  local.get 1 i32.const 1 i32.add local.set 1"
          + " end"
          + " local.get 1)"
          + " (func (export \"results\") (param i32) (result i32)"
          + " block (result i32) i32.const 5 local.get 0 br_if 0 drop i32.const 6 end))";

  /** The number of refunds ({@code i64.add} on the counter) in defined function {@code index}. */
  private static long refunds(byte[] metered, int index) {
    WasmModule m = Parser.parse(metered);
    return m.codeSection().getFunctionBody(index).instructions().stream()
        .filter(i -> i.opcode() == OpCode.I64_ADD)
        .count();
  }

  @Test
  void underFastAccounting_forwardExitsArePaidBeforeTheBranchAndRefundedWhenTaken() {
    byte[] module = wat(dir, EXITS);
    byte[] planned = FuelRewriter.rewrite(module, FAST);
    byte[] unplanned = FuelRewriter.rewrite(module, FAST, false, true, true, false);
    // without the plan: the entry, each of the three fall-throughs, the inner block's end and the outer block's
    // end; with it, the fall-throughs charge nothing (the entry still pays for itself: f is exported)
    assertThat(charges(unplanned, 0)).isEqualTo(6);
    assertThat(charges(planned, 0)).isEqualTo(3);
    assertThat(refunds(planned, 0)).as("one refund per forward br_if").isEqualTo(3);
    // Under EXACT a refund would be a load and a store of the global: there are none.
    assertThat(refunds(FuelRewriter.rewrite(module, CostModel.defaults()), 0)).isZero();
    CostModel before = Meter.model;
    Meter.model = FAST;
    try {
      for (boolean compiled : new boolean[] {false, true}) {
        for (long x = 0; x < 8; x++) {
          assertThat(fuel(module, true, compiled, "f", x))
              .as("x = %d, %s", x, compiled ? "compiled" : "interpreted")
              .isEqualTo(fuel(module, false, compiled, "f", x));
        }
        // a block with a result keeps its plain br_if, and pays as before
        assertThat(fuel(module, true, compiled, "results", 1)).isEqualTo(fuel(module, false, compiled, "results", 1));
        assertThat(fuel(module, true, compiled, "results", 0)).isEqualTo(fuel(module, false, compiled, "results", 0));
      }
    } finally {
      Meter.model = before;
    }
    assertThat(charges(planned, 1)).isEqualTo(charges(unplanned, 1));
  }

  /**
   * A recursive function, one that calls in a loop, one that calls once, a pair that call each other, and a leaf
   * with an early exit.
   */
  private static final String CALLERS =
      "(module (memory 1)"
          + " (func $rec (export \"rec\") (param i32) (result i32)"
          + "  local.get 0 i32.eqz if i32.const 0 return end"
          + "  local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add)"
          + " (func $looping (export \"looping\") (param i32) (result i32) (local i32)"
          + "  block loop local.get 0 i32.eqz br_if 1"
          + "   local.get 1 local.get 0 call $leaf i32.add local.set 1"
          + "   local.get 0 i32.const 1 i32.sub local.set 0 br 0 end end local.get 1)"
          + " (func $once (export \"once\") (param i32) (result i32) local.get 0 call $leaf i32.const 3 i32.mul)"
          + " (func $ping (export \"ping\") (param i32) (result i32)"
          + "  local.get 0 i32.eqz if i32.const 1 return end local.get 0 i32.const 1 i32.sub call $pong)"
          + " (func $pong (param i32) (result i32) local.get 0 call $ping i32.const 2 i32.add)"
          + " (func $leaf (param i32) (result i32) block local.get 0 i32.const 1 i32.and br_if 0"
          + "  i32.const 0 local.get 0 i32.store end local.get 0 i32.const 5 i32.mul))";

  /** Whether defined function {@code index} of a FAST-metered module starts by copying the counter to a local. */
  private static boolean keepsALocalCounter(byte[] metered, int index) {
    var instructions = Parser.parse(metered).codeSection().getFunctionBody(index).instructions();
    return instructions.get(0).opcode() == OpCode.GLOBAL_GET && instructions.get(1).opcode() == OpCode.LOCAL_SET;
  }

  @Test
  void underFastAccounting_callHeavyFunctionsKeepTheGlobalCounter_andEveryFunctionPaysTheSame() {
    byte[] module = wat(dir, CALLERS);
    byte[] fast = FuelRewriter.rewrite(module, FAST);
    assertThat(keepsALocalCounter(fast, 0)).as("recursive").isFalse();
    assertThat(keepsALocalCounter(fast, 1)).as("calls in a loop").isFalse();
    assertThat(keepsALocalCounter(fast, 2)).as("calls once").isTrue();
    assertThat(keepsALocalCounter(fast, 3)).as("mutually recursive").isFalse();
    assertThat(keepsALocalCounter(fast, 4)).as("mutually recursive").isFalse();
    assertThat(keepsALocalCounter(fast, 5)).as("a leaf").isTrue();
    assertThat(refunds(fast, 5)).as("a leaf's forward exit").isEqualTo(1);
    assertThat(refunds(fast, 0) + refunds(fast, 1)).as("none in call-heavy functions").isZero();
    for (boolean compiled : new boolean[] {false, true}) {
      for (String export : List.of("rec", "looping", "once", "ping")) {
        for (long x : new long[] {0, 1, 6, 7}) {
          long exact = fuel(module, true, compiled, export, x);
          CostModel before = Meter.model;
          Meter.model = FAST;
          try {
            assertThat(fuel(module, true, compiled, export, x)).as("%s(%d)", export, x).isEqualTo(exact);
          } finally {
            Meter.model = before;
          }
        }
      }
    }
  }

  @Test
  void recursiveFibonacciKeepsTwoChargesInsteadOfFive() {
    byte[] module = wat(dir, FIB);
    // Without the plan: the entry, the return arm, the code before the loop, the loop's header and its exit.
    assertThat(charges(FuelRewriter.rewrite(module, CostModel.defaults(), false, true, true, false), 0)).isEqualTo(5);
    // With it: the entry and the arm are paid by the caller, the header on the way in (before the loop, and on
    // the taken back edge), and the exit with the last iteration. A leaf call pays nothing itself.
    assertThat(charges(FuelRewriter.rewrite(module, CostModel.defaults()), 0)).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void callsThatReturnPayExactlyWhatTheyPaidBefore(boolean compiled) {
    byte[] module = wat(dir, FIB);
    for (int n : new int[] {0, 1, 2, 3, 10, 20}) {
      assertThat(fuel(module, true, compiled, "fib", n))
          .as("fib(%d)", n)
          .isEqualTo(fuel(module, false, compiled, "fib", n));
    }
  }

  @Test
  void exportedFunctionsPayTheirOwnEntry() {
    byte[] module =
        wat(
            dir,
            "(module (func $inner (result i32) (i32.const 1))"
                + " (func $outer (export \"outer\") (result i32) (i32.add (call $inner) (i32.const 2)))"
                + " (func (export \"run\") (result i32) (call $outer)))");
    byte[] metered = FuelRewriter.rewrite(module, CostModel.defaults());
    assertThat(charges(metered, 0)).as("$inner, only ever called").isZero();
    assertThat(charges(metered, 1)).as("$outer, also exported").isEqualTo(1);
    assertThat(fuel(module, true, true, "run")).isEqualTo(fuel(module, false, true, "run"));
  }

  @Test
  void functionsInTablesOrNamedByRefFuncPayTheirOwnEntry() {
    byte[] module =
        wat(
            dir,
            "(module (type $t (func (result i32))) (table 1 funcref) (elem (i32.const 0) $inTable)"
                + " (func $inTable (result i32) (i32.const 1))"
                + " (func $named (result i32) (i32.const 2))"
                + " (func (export \"run\") (result i32)"
                + "  (i32.add (call $inTable) (call_indirect (type $t) (i32.const 0)))"
                + "  (drop (ref.func $named)) (call $named) i32.add)"
                + " (elem declare func $named))");
    byte[] metered = FuelRewriter.rewrite(module, CostModel.defaults());
    assertThat(charges(metered, 0)).as("in a table").isEqualTo(1);
    assertThat(charges(metered, 1)).as("named by ref.func").isEqualTo(1);
    assertThat(fuel(module, true, false, "run")).isEqualTo(fuel(module, false, false, "run"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aFunctionWhoseEntryCallsItselfPaysForItselfAndIsStopped(boolean compiled) {
    // $spin's entry segment calls $spin: its entry cannot be paid by its callers (that sum has no end).
    byte[] module =
        wat(dir, "(module (func $spin (call $spin)) (func (export \"run\") (call $spin)))");
    byte[] metered = FuelRewriter.rewrite(module, CostModel.defaults());
    assertThat(charges(metered, 0)).isEqualTo(1);
    Run run = instantiate(module, true, compiled, 1_000, 50_000);
    assertThat(run.call("run")).asString().containsAnyOf("out of fuel", "stack");
  }

  @Test
  void aPlanThatWouldChargeTooMuchAtOnceIsDropped() {
    // Each function calls the one before it twice in its entry: paying entries at call sites would double the
    // charge at every level, past the plan's cap at level 40.
    StringBuilder wat = new StringBuilder("(module (func $f0 (result i32) (i32.const 1))");
    for (int i = 1; i <= 50; i++) {
      wat.append(String.format(" (func $f%d (result i32) (i32.add (call $f%d) (call $f%d)))", i, i - 1, i - 1));
    }
    wat.append(" (func (export \"run\") (result i32) (call $f3)))");
    byte[] module = wat(dir, wat.toString());
    assertThat(FuelRewriter.rewrite(module, CostModel.defaults()))
        .as("the module is metered segment by segment")
        .isEqualTo(FuelRewriter.rewrite(module, CostModel.defaults(), false, true, true, false));
    assertThat(fuel(module, true, true, "run")).isEqualTo(fuel(module, false, true, "run"));
  }

  @Test
  void loopsEnteredByBrTableKeepTheirHeaderCharge() {
    byte[] module =
        wat(
            dir,
            "(module (func (export \"count\") (param i32) (result i32) (local i32)"
                + " (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
                + "  (local.set 0 (i32.sub (local.get 0) (i32.const 1)))"
                + "  (block $out (br_table $l $out (i32.eqz (local.get 0)))))"
                + " (local.get 1)))");
    byte[] metered = FuelRewriter.rewrite(module, CostModel.defaults());
    assertThat(charges(metered, 0)).isEqualTo(charges(FuelRewriter.rewrite(module, CostModel.defaults(), false, true, true, false), 0));
    assertThat(fuel(module, true, true, "count", 5)).isEqualTo(fuel(module, false, true, "count", 5));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aLoopRefuelsOutsideItselfAndResumesAtItsHeader(boolean compiled) {
    // Sums 1..n in a loop whose back edge is a br_if: with the plan, the edge charges and, out of fuel, leaves
    // the loop for a refill block that re-enters it. Slices of 1 to 7 units make it refuel at most iterations.
    byte[] module =
        wat(
            dir,
            "(module (func (export \"sum\") (param i32) (result i64) (local i64)"
                + " (block $done (br_if $done (i32.eqz (local.get 0)))"
                + "  (loop $l (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))"
                + "   (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))"
                + " (local.get 1)))");
    byte[] metered = FuelRewriter.rewrite(module, CostModel.defaults());
    assertThat(Parser.parse(metered).codeSection().getFunctionBody(0).instructions().stream()
            .filter(i -> i.opcode() == OpCode.UNREACHABLE)
            .count())
        .as("the wrapped loop's closing unreachable")
        .isEqualTo(1);
    for (long slice = 1; slice <= 7; slice++) {
      Meter.planned = true;
      Run run = instantiate(module, true, compiled, slice, Long.MAX_VALUE / 2);
      assertThat(run.call("sum", 1000)).isEqualTo(List.of(500_500L));
      assertThat(fuel(module, true, compiled, slice, "sum", 1000))
          .as("slice %d", slice)
          .isEqualTo(fuel(module, false, compiled, slice, "sum", 1000));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aWrappedLoopWithResultsAndBranchesAcrossItKeepsItsMeaning(boolean compiled) {
    // A loop with a result, inside a block that a branch from within the loop leaves: the rewriter's blocks around
    // the loop shift that branch's label, and the loop's result still reaches its user.
    byte[] module =
        wat(
            dir,
            "(module (func (export \"find\") (param i32) (result i32) (local i32)"
                + " (block $found (result i32)"
                + "  (loop $l (result i32)"
                + "   (drop (br_if $found (local.get 1) (i32.eq (local.get 1) (local.get 0))))"
                + "   (local.set 1 (i32.add (local.get 1) (i32.const 1)))"
                + "   (br_if $l (i32.lt_u (local.get 1) (i32.const 100)))"
                + "   (i32.const -1))))"
                + " (func (export \"run\") (result i32) (i32.add (call 0 (i32.const 42)) (call 0 (i32.const 500)))))");
    for (long slice : new long[] {1, 5, 1_000}) {
      Run run = instantiate(module, true, compiled, slice, Long.MAX_VALUE / 2);
      assertThat(run.call("run")).isEqualTo(List.of(41L));
      assertThat(fuel(module, true, compiled, slice, "run")).isEqualTo(fuel(module, false, compiled, slice, "run"));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aLoopLeftOnlyThroughItsEndHasItsExitPrepaidByTheCodeBeforeIt(boolean compiled) {
    // scan: do { i++ } while (v(i) < 50); then an exit segment longer than the loop's body. leave: the same loop
    // with a second way out (br_if to the enclosing block), so its exit segment must keep its own charge.
    String scan =
        "(local.set 1 (i32.add (local.get 1) (i32.const 1)))"
            + " (br_if $l (i32.lt_u (i32.mul (local.get 1) (local.get 1)) (local.get 0)))";
    String after =
        " (local.set 1 (i32.add (local.get 1) (i32.const 100)))"
            + " (local.set 1 (i32.mul (local.get 1) (i32.const 3)))"
            + " (local.set 1 (i32.sub (local.get 1) (i32.const 7)))";
    byte[] module =
        wat(
            dir,
            "(module"
                + " (func (export \"scan\") (param i32) (result i32) (local i32)"
                + "  (loop $l " + scan + ")" + after + " (local.get 1))"
                + " (func (export \"leave\") (param i32) (result i32) (local i32)"
                + "  (block $out (loop $l (br_if $out (i32.eq (local.get 1) (i32.const 1000))) " + scan + ")"
                + after + ") (local.get 1)))");
    byte[] planned = FuelRewriter.rewrite(module, CostModel.defaults());
    byte[] unplanned = FuelRewriter.rewrite(module, CostModel.defaults(), false, true, true, false);
    // scan: the entry (with the first iteration and the exit) and the back edge; unplanned also the header and
    // the exit.
    assertThat(charges(planned, 0)).isEqualTo(2);
    assertThat(charges(unplanned, 0)).isEqualTo(3);
    assertThat(charges(planned, 1)).as("a loop with a second exit keeps its exit charge").isGreaterThan(2);
    for (String f : new String[] {"scan", "leave"}) {
      for (long slice : new long[] {1, 3, 1_000}) {
        assertThat(fuel(module, true, compiled, slice, f, 2_500))
            .as("%s, slice %d", f, slice)
            .isEqualTo(fuel(module, false, compiled, slice, f, 2_500));
      }
    }
  }

  @Test
  void entryChainsDeeperThanThePlanFollowsAreCutAndStillPayTheSame() {
    // 1 200 functions, each calling the one before it in its entry segment: the plan follows a thousand of those
    // dependencies, cuts the rest (those functions pay their own entry), and the rewriter neither fails nor
    // overflows its stack.
    // Each calls the next one (defined after it), so the plan's search from $f0 goes 1 200 deep.
    StringBuilder wat = new StringBuilder("(module");
    for (int i = 0; i < 1_199; i++) {
      wat.append(String.format(" (func $f%d (result i32) (i32.add (call $f%d) (i32.const 1)))", i, i + 1));
    }
    wat.append(" (func $f1199 (result i32) (i32.const 1)) (func (export \"run\") (result i32) (call $f0)))");
    byte[] module = wat(dir, wat.toString());
    byte[] planned = FuelRewriter.rewrite(module, CostModel.defaults());
    assertThat(charges(planned, 500)).as("within the depth followed: paid by its caller").isZero();
    assertThat(charges(planned, 1_001)).as("past it: pays its own entry").isEqualTo(1);
    Run run = instantiate(module, true, true, 1_000, Long.MAX_VALUE / 2);
    assertThat(run.call("run")).isEqualTo(List.of(1_200L));
    assertThat(fuel(module, true, true, "run")).isEqualTo(fuel(module, false, true, "run"));
  }
}
