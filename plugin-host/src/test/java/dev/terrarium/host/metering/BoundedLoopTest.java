package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.Wat;
import dev.terrarium.host.metering.Meter.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bounded loops ({@link BoundedLoop}) get a copy without checks, run when the counter holds the most fuel the loop
 * can charge. The copy changes nothing a guest or a tenant can see: every shape, entered with values at the edges
 * (empty, reversed, bounds near 2^32, addresses out of memory), returns or traps as unmetered, leaves the same
 * memory, and pays exactly what the loop alone pays, under both engines and both accountings, with slices large
 * enough for the copy, too small for it, and in between, and with a budget that runs out inside the loops. Loops
 * of other shapes get no copy.
 */
class BoundedLoopTest {
  private static final long AMPLE = Long.MAX_VALUE / 4;

  /** Exports {@code (p, e, x) -> i32}; memory holds bytes with and without the high bit. */
  private static final String LOOPS =
      """
      (module
        (memory 1)
        (data (i32.const 0) "ab\\c3\\a9cd\\e2\\82\\acxy\\f0\\9f\\98\\80z\\80\\ffq\\00\\01\\02\\7f\\c0")
        (func (export "utf8len") (param $p i32) (param $e i32) (param $x i32) (result i32) (local $n i32) (local $c i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (local.set $c (i32.load8_u (local.get $p)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (if (i32.and (local.get $c) (i32.const 128))
                  (then
                    (block $cut
                      (br_if $cut (i32.eq (local.get $p) (local.get $e)))
                      (local.set $p (i32.add (local.get $p) (i32.const 1)))
                      (local.set $n (i32.add (local.get $n) (i32.const 2)))))
                  (else (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (br $l))))
          (i32.add (i32.mul (local.get $n) (i32.const 65536)) (local.get $p)))
        (func (export "mixed_exits") (param $p i32) (param $e i32) (param $x i32) (result i32) (local $sum i32) (local $c i32)
          (block $found
            (loop $l
              (if (i32.lt_u (local.get $p) (local.get $e))
                (then
                  (local.set $c (i32.load8_u (i32.and (local.get $p) (i32.const 65535))))
                  (br_if $found (i32.eq (local.get $c) (local.get $x)))
                  (if (i32.eq (local.get $c) (i32.add (local.get $x) (i32.const 1)))
                    (then (return (i32.sub (i32.const 0) (local.get $p)))))
                  (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31)) (local.get $c)))
                  (i32.store8 (i32.and (i32.add (local.get $p) (i32.const 4096)) (i32.const 65535)) (local.get $c))
                  (if (i32.and (local.get $c) (i32.const 1))
                    (then (local.set $p (i32.add (local.get $p) (i32.const 3))) (br $l)))
                  (local.set $p (i32.add (local.get $p) (i32.const 2)))
                  (br_if $l (i32.const 1))))))
          (i32.xor (local.get $sum) (local.get $p)))
        (func (export "traps") (param $p i32) (param $e i32) (param $x i32) (result i32) (local $sum i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
                (if (i32.eq (local.get $sum) (local.get $x)) (then unreachable))
                (local.set $p (i32.add (local.get $p) (i32.const 4093)))
                (br $l))))
          (local.get $sum))
        (func (export "const_bound") (param $p i32) (param $e i32) (param $x i32) (result i32) (local $sum i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (i32.const 70000))
              (then
                (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 3)) (local.get $p)))
                (local.set $p (i32.add (local.get $p) (i32.const 7)))
                (local.set $x (local.get $p))
                (br $l))))
          (i32.add (local.get $sum) (local.get $x)))
        (func (export "tee_step") (param $p i32) (param $e i32) (param $x i32) (result i32) (local $sum i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (local.set $sum (i32.add (local.get $sum)
                  (local.tee $p (i32.add (local.get $p) (i32.const 65536)))))
                (br $l))))
          (i32.add (local.get $sum) (local.get $p)))
        (func (export "no_step") (param $p i32) (param $e i32) (param $x i32) (result i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (if (i32.gt_u (local.get $x) (i32.const 0))
                  (then (local.set $x (i32.sub (local.get $x) (i32.const 1))) (br $l)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $l))))
          (i32.add (local.get $p) (local.get $x)))
        (func (export "writes_bound") (param $p i32) (param $e i32) (param $x i32) (result i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $e (i32.sub (local.get $e) (i32.and (local.get $x) (i32.const 1))))
                (br $l))))
          (i32.add (local.get $p) (local.get $e)))
        (func (export "steps_down") (param $p i32) (param $e i32) (param $x i32) (result i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 3)))
                (if (i32.eq (i32.and (local.get $p) (i32.const 7)) (i32.const 0))
                  (then (local.set $p (i32.sub (local.get $p) (i32.const 1)))))
                (br $l))))
          (local.get $p))
        (func $id (param i32) (result i32) (local.get 0))
        (func (export "calls") (param $p i32) (param $e i32) (param $x i32) (result i32) (local $sum i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (local.get $e))
              (then
                (local.set $sum (i32.add (local.get $sum) (call $id (local.get $p))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $l))))
          (local.get $sum))
        (func (export "near_top") (param $p i32) (param $e i32) (param $x i32) (result i32)
          (loop $l
            (if (i32.lt_u (local.get $p) (i32.const -3))
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 5)))
                (br $l))))
          (local.get $p)))
      """;

  private static final List<String> COPIED = List.of("utf8len", "mixed_exits", "traps", "const_bound", "tee_step");
  private static final List<String> NOT_COPIED = List.of("no_step", "writes_bound", "steps_down", "calls", "near_top");

  private static final long TOP = 0xFFFFFFFFL;
  private static final long[][] ENTRIES = {
    {0, 0, 0}, {0, 1, 0}, {0, 31, 0}, {5, 31, 0x63}, {31, 5, 0}, {0, 1000, 0x7A}, {0, 65536, 0x300},
    {100, 1 << 20, 5}, {TOP - 10, TOP, 0}, {TOP - 3, TOP - 2, 0}, {TOP - 70_000, TOP, 7}, {65_000, 70_000, 1},
    {0, TOP, 0x61}, {12, 40_000, 40}
  };

  @ParameterizedTest
  @EnumSource(CostModel.Accounting.class)
  void theCopyChangesNothingAGuestOrATenantCanSee(CostModel.Accounting accounting) {
    Meter.model = CostModel.builder().accounting(accounting).build();
    try {
      byte[] module = Meter.wat(null, LOOPS);
      int compared = 0;
      for (long[] budgetAndSlice : new long[][] {{AMPLE, 1_000_000}, {AMPLE, 40}, {AMPLE, 3_000}, {20_000, 1_000}}) {
        long budget = budgetAndSlice[0];
        long slice = budgetAndSlice[1];
        for (boolean compiled : new boolean[] {false, true}) {
          Meter.bounded = false;
          Run alone;
          try {
            alone = instantiate(module, true, compiled, slice, budget);
          } finally {
            Meter.bounded = true;
          }
          Run copied = instantiate(module, true, compiled, slice, budget);
          Run plain = instantiate(module, false, false, 1, AMPLE);
          for (String f : concat(COPIED, NOT_COPIED)) {
            for (long[] in : ENTRIES) {
              String what = f + java.util.Arrays.toString(in) + " slice " + slice + " budget " + budget
                  + (compiled ? " compiled" : " interpreted");
              if (tooLong(f, in)) {
                continue;
              }
              long a = alone.consumed();
              long b = copied.consumed();
              Object expected = alone.call(f, in);
              assertThat(copied.call(f, in)).as(what).isEqualTo(expected);
              if (budget == AMPLE) {
                assertThat(expected).as(what + " unmetered").isEqualTo(plain.call(f, in));
              }
              assertThat(copied.instance.memory().readBytes(0, 1 << 16))
                  .as(what + " memory")
                  .isEqualTo(alone.instance.memory().readBytes(0, 1 << 16));
              assertThat(copied.consumed() - b).as(what + " fuel").isEqualTo(alone.consumed() - a);
              compared++;
            }
          }
        }
      }
      assertThat(compared).isGreaterThan(500);
    } finally {
      Meter.model = CostModel.defaults();
    }
  }

  @ParameterizedTest
  @EnumSource(CostModel.Accounting.class)
  void onlyBoundedLoopsGetACopy_andTheCopyHasNoCheck(CostModel.Accounting accounting) {
    CostModel model = CostModel.builder().accounting(accounting).build();
    byte[] module = Meter.wat(null, LOOPS);
    String copied = Wat.text(FuelRewriter.rewrite(module, model, true, true));
    String alone = Wat.text(FuelRewriter.rewrite(module, model, true, false));
    for (String f : COPIED) {
      String with = function(copied, f);
      String without = function(alone, f);
      assertThat(count(with, "loop")).as(f).isEqualTo(2 * count(without, "loop")).isEqualTo(2);
      assertThat(count(with, "call")).as(f + ": the copy calls nothing").isEqualTo(count(without, "call"));
      assertThat(secondLoop(with)).as(f + " copy").contains("i64.sub").doesNotContain("call");
      assertThat(secondLoop(without)).as(f).isEmpty();
    }
    for (String f : NOT_COPIED) {
      assertThat(function(copied, f)).as(f).isEqualTo(function(alone, f));
    }
  }

  /**
   * Whether {@code f} entered with {@code in} would run billions of iterations, wrapping around 2^32 or walking it:
   * nothing more to learn there. utf8len and traps stop at the end of memory.
   */
  private static boolean tooLong(String f, long[] in) {
    switch (f) {
      case "utf8len", "traps":
        return false;
      case "near_top":
        return in[0] < 0xFFFFFFFDL; // below its bound, it wraps around and starts again
      case "const_bound":
        return 70_000 - in[0] > 70_000;
      default:
        return in[0] < in[1] && (in[1] > TOP - 100_000 || in[1] - in[0] > 70_000);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** The text of the second {@code loop} of {@code function}, to its {@code end}, or "" when there is none. */
  private static String secondLoop(String function) {
    List<String> lines = function.lines().toList();
    int seen = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.trim().startsWith("loop") && ++seen == 2) {
        String indent = line.substring(0, line.indexOf("loop"));
        StringBuilder text = new StringBuilder();
        for (int j = i; j < lines.size(); j++) {
          text.append(lines.get(j)).append('\n');
          if (j > i && lines.get(j).equals(indent + "end")) {
            return text.toString();
          }
        }
        throw new AssertionError("the loop has no end:\n" + text);
      }
    }
    return "";
  }

  private static int count(String text, String word) {
    Matcher m = Pattern.compile("\\b" + word + "\\b").matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The text of the function exported as {@code name}. */
  private static String function(String module, String name) {
    Matcher e = Pattern.compile("\\(export \"" + name + "\" \\(func (\\d+)\\)\\)").matcher(module);
    assertThat(e.find()).as(name).isTrue();
    String start = "(func (;" + e.group(1) + ";)";
    int from = module.indexOf(start);
    int to = module.indexOf("\n  (", from + 1);
    return module.substring(from, to);
  }
}
