package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.endive.wasm.Parser;
import run.endive.wasm.types.OpCode;

/**
 * Deferred counter tests (docs/metering.md, "Deferred counter tests"): charges outside loops subtract without testing
 * the counter, which is tested before every call, loop and exit and at least every {@link
 * FuelRewriter#DEFERRED_MAX} units. The charges do not change, so every call that does not run out of fuel pays what
 * it paid with a test per charge; a call still runs out of fuel exactly when its budget is below its cost, and is
 * then stopped at most {@link FuelRewriter#DEFERRED_MAX} units past its budget, the same under both engines.
 * MeteringDifferentialTest compares the two on random modules.
 */
class DeferredTestsTest {
  @org.junit.jupiter.api.BeforeEach
  void refillsAsTheHostDoes() {
    Meter.wholeRefills = true;
  }

  @AfterEach
  void restore() {
    Meter.wholeRefills = false;
    Meter.deferred = true;
    Meter.trapFlush = false;
    Meter.model = CostModel.defaults();
  }

  /** Twelve ifs in a row, each adding to a sum when a bit of the argument is set: branchy code without loops. */
  private static final String BRANCHY = branchy(12, "");

  /** {@code n} ifs in a row; {@code tail} is appended to the function's body (before it returns the sum). */
  private static String branchy(int n, String tail) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < n; i++) {
      body.append(" local.get 0 i32.const ").append(1 << (i % 31)).append(" i32.and if")
          .append(" local.get 1 i32.const ").append(i + 1).append(" i32.mul local.get 0 i32.xor local.set 1")
          .append(" local.get 1 i32.const 7 i32.rotl local.set 1")
          .append(" end");
    }
    return "(module (memory 1) (func (export \"branchy\") (param i32) (result i32) (local i32)"
        + " local.get 0 local.set 1" + body + tail + " local.get 1))";
  }

  /** A recursive function without a loop, which counts down from its argument: a test only at its call and exit. */
  private static final String DOWN =
      "(module (func $down (export \"down\") (param i32) (result i32)"
          + " local.get 0 i32.eqz if (result i32) i32.const 0"
          + " else local.get 0 i32.const 1 i32.sub call $down i32.const 1 i32.add end))";

  /** The number of counter tests ({@code i64.lt_s}) in defined function {@code index} of a metered module. */
  private static long tests(byte[] metered, int index) {
    return Meter.count(metered, index, OpCode.I64_LT_S);
  }

  private static long charges(byte[] metered, int index) {
    return Meter.count(metered, index, OpCode.I64_SUB);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void chargesOutsideLoopsSkipTheirTests_untilAnExit(boolean fast) {
    CostModel model = fast ? CostModel.builder().accounting(CostModel.Accounting.FAST).build() : CostModel.defaults();
    byte[] bytes = Meter.wat(null, BRANCHY);
    byte[] deferred = FuelRewriter.rewrite(bytes, model, true, true, true, false, true);
    byte[] tested = FuelRewriter.rewrite(bytes, model, true, true, true, false, false);
    assertThat(charges(deferred, 0)).isEqualTo(charges(tested, 0)).isGreaterThanOrEqualTo(12);
    assertThat(tests(tested, 0)).isEqualTo(charges(tested, 0));
    // One test left: before the function returns, for what the charges before it did not test.
    assertThat(tests(deferred, 0)).isEqualTo(1);
  }

  @Test
  void chargesInLoopsKeepTheirTests() {
    String loop =
        "(module (func (export \"f\") (param i32) (result i32) (local i32)"
            + " loop local.get 0 i32.const 1 i32.and if local.get 1 i32.const 3 i32.add local.set 1 end"
            + "  local.get 0 i32.const 1 i32.shr_u local.tee 0 br_if 0 end local.get 1))";
    byte[] bytes = Meter.wat(null, loop);
    byte[] deferred = FuelRewriter.rewrite(bytes, CostModel.defaults(), true, true, true, false, true);
    byte[] tested = FuelRewriter.rewrite(bytes, CostModel.defaults(), true, true, true, false, false);
    assertThat(deferred).isEqualTo(tested);
  }

  /**
   * For every budget from nothing to a little more than the call costs, under both engines (and compiled with trap
   * flushing): the call returns exactly when the budget covers its cost, paying the same as with a test per charge,
   * and when it runs out it has run at most {@link FuelRewriter#DEFERRED_MAX} units past the budget, the same under
   * both engines. With a test per charge it is stopped before it runs a charge it cannot pay.
   */
  @ParameterizedTest
  @ValueSource(ints = {12, 200})
  void aCallRunsOutOfFuelExactlyWhenItsBudgetIsBelowItsCost_andOverrunsByAtMostTheBound(int ifs) {
    byte[] bytes = Meter.wat(null, branchy(ifs, ""));
    long arg = 0x5555_5555L;
    long cost = fuel(bytes, false, Long.MAX_VALUE / 2, arg)[1];
    assertThat(fuel(bytes, true, Long.MAX_VALUE / 2, arg)[1]).isEqualTo(cost);
    Meter.deferred = false;
    assertThat(fuel(bytes, false, Long.MAX_VALUE / 2, arg)[1]).as("with a test per charge").isEqualTo(cost);
    Meter.deferred = true;
    boolean overran = false;
    long step = Math.max(1, cost / 150);
    for (long budget = 0; budget <= cost + 5; budget += budget >= cost - 5 ? 1 : step) {
      long[] interpreted = fuel(bytes, false, budget, arg);
      String what = ifs + " ifs, budget " + budget;
      if (budget % (step * 16) == 0 || budget >= cost - 1 && budget <= cost) {
        // Compiling is slower: a sample of the budgets, the edges among them.
        assertThat(fuel(bytes, true, budget, arg)).as(what + ", compiled").containsExactly(interpreted);
        Meter.trapFlush = true;
        assertThat(fuel(bytes, true, budget, arg)).as(what + ", with trap flushing").containsExactly(interpreted);
        Meter.trapFlush = false;
      }
      if (budget >= cost) {
        assertThat(interpreted).as(what).containsExactly(1, cost);
      } else {
        assertThat(interpreted[0]).as(what + ": out of fuel").isZero();
        assertThat(interpreted[1]).as(what + ": what it ran").isGreaterThan(budget);
        assertThat(interpreted[1] - budget).as(what + ": overrun").isLessThanOrEqualTo(FuelRewriter.DEFERRED_MAX);
        overran |= interpreted[1] - budget > 30;
        Meter.deferred = false;
        long[] tested = fuel(bytes, false, budget, arg);
        Meter.deferred = true;
        assertThat(tested[0]).as(what + ", a test per charge").isZero();
        assertThat(tested[1]).as(what + ", a test per charge: at most the charge it could not pay")
            .isLessThanOrEqualTo(interpreted[1]);
      }
    }
    assertThat(overran).as("some budget ran out between tests").isTrue();
  }

  @Test
  void recursionWithoutLoopsIsStoppedByFuel_notByTheStack() {
    byte[] bytes = Meter.wat(null, DOWN);
    for (boolean compiled : new boolean[] {false, true}) {
      long[] deep = fuel(bytes, compiled, 1_000, 1_000_000);
      assertThat(deep[0]).as("out of fuel").isZero();
      assertThat(deep[1] - 1_000).as("overrun").isBetween(0L, FuelRewriter.DEFERRED_MAX);
      assertThat(fuel(bytes, compiled, Long.MAX_VALUE / 2, 500)[0]).isEqualTo(1);
    }
  }

  /** {1 when the call returned else 0, the fuel it used}, with a slice of one unit and {@code budget} units. */
  private static long[] fuel(byte[] bytes, boolean compiled, long budget, long arg) {
    Run run = instantiate(bytes, true, compiled, 1, budget);
    Object outcome = run.call(exportName(bytes), arg);
    if (!(outcome instanceof List) && !"out-of-fuel".equals(outcome)) {
      throw new AssertionError("unexpected outcome " + outcome);
    }
    return new long[] {outcome instanceof List ? 1 : 0, run.consumed()};
  }

  private static String exportName(byte[] bytes) {
    return Parser.parse(bytes).exportSection().getExport(0).name();
  }
}
