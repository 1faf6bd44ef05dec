package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.endive.wasm.Parser;

/**
 * Differential test of the float pass on random {@code wasm-opt -ttf} modules (the series of
 * {@link MeteringDifferentialTest}): results, traps and host calls are the same with the pass as without, except
 * for NaN bits; with NaN canonicalisation the interpreter and the compiler agree bit for bit, memory included; and
 * a metered module uses the same fuel with the pass as without. {@code -Dfloats.fuzz.count=N} runs more modules.
 */
@Tag("fuzz")
class FloatDifferentialTest {
  private static final long SLICE = 1_000_000;
  private static final long AMPLE = Long.MAX_VALUE / 4;
  private static final Pattern NUMBER = Pattern.compile("-?\\d+");

  @TempDir Path dir;

  @Test
  void randomModulesBehaveTheSameWithTheFloatPassExceptForNaNBits() throws Exception {
    long seed = Long.getLong("metering.fuzz.seed", 20261121L);
    int count = Integer.getInteger("floats.fuzz.count", 12);
    int compared = 0;
    int rewritten = 0;
    int deterministic = 0;
    int fuel = 0;
    for (int i = 0; i < count; i++) {
      byte[] bytes = MeteringDifferentialTest.randomModule(dir, seed, i);
      List<Object> expected;
      try {
        expected = MeteringDifferentialTest.script(instantiate(bytes, false, false, SLICE, AMPLE));
      } catch (RuntimeException | StackOverflowError e) {
        continue; // the engine itself cannot load or start this module
      }
      byte[] conforming = FloatRewriter.rewrite(bytes, false);
      byte[] canonical = FloatRewriter.rewrite(bytes, true);
      rewritten += canonical != bytes ? 1 : 0;
      for (byte[] m : List.of(conforming, canonical)) {
        Parser.parse(m);
        MeteringDifferentialTest.validate(m, dir.resolve("floats" + i + ".wasm"));
        List<Object> got = MeteringDifferentialTest.script(instantiate(m, false, false, SLICE, AMPLE));
        assertThat(withoutNaNBits(got)).as("module %d interpreted", i).isEqualTo(withoutNaNBits(expected));
      }
      compared++;

      // Canonical NaNs: the interpreter and the compiler agree on every bit, where they agree on the original.
      List<Object> expectedCompiled;
      try {
        expectedCompiled = MeteringDifferentialTest.script(instantiate(bytes, false, true, SLICE, AMPLE));
      } catch (RuntimeException e) {
        expectedCompiled = null; // Endive's compiler lacks a feature (e.g. SIMD)
      }
      if (expectedCompiled != null && withoutNaNBits(expectedCompiled).equals(withoutNaNBits(expected))) {
        List<Object> interpreted = MeteringDifferentialTest.script(instantiate(canonical, false, false, SLICE, AMPLE));
        List<Object> compiled = MeteringDifferentialTest.script(instantiate(canonical, false, true, SLICE, AMPLE));
        assertThat(compiled).as("module %d canonical, compiled vs interpreted", i).isEqualTo(interpreted);
        deterministic++;
      }

      // Fuel: the float pass runs on the metered bytes and charges nothing.
      byte[] metered;
      try {
        metered = FuelRewriter.rewrite(bytes, CostModel.defaults());
      } catch (MeteringException e) {
        continue;
      }
      Run plain = instantiate(metered, false, false, SLICE, AMPLE);
      List<Object> plainScript = MeteringDifferentialTest.script(plain);
      Run floats = instantiate(FloatRewriter.rewrite(metered, true), false, false, SLICE, AMPLE);
      List<Object> floatsScript = MeteringDifferentialTest.script(floats);
      assertThat(withoutNaNBits(floatsScript)).as("module %d metered", i).isEqualTo(withoutNaNBits(plainScript));
      if (!plainScript.toString().contains("stack-exhausted")) {
        assertThat(floats.consumed()).as("module %d fuel", i).isEqualTo(plain.consumed());
        fuel++;
      }
    }
    System.out.printf(
        "float differential: %d modules, %d compared, %d changed by the canonicalising pass, %d bit-identical"
            + " across modes, %d with equal fuel%n",
        count, compared, rewritten, deterministic, fuel);
    assertThat(compared).as("modules compared").isGreaterThanOrEqualTo(count * 3 / 4);
    assertThat(rewritten).as("modules the pass changed").isGreaterThanOrEqualTo(compared / 2);
  }

  private static final String[] UNARY = {"abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"};
  // No copysign: it would carry a NaN's sign, which the specification leaves open, into a number.
  private static final String[] BINARY = {"add", "sub", "mul", "div", "min", "max"};
  private static final String[] CONSTANTS = {
    "0", "-0", "1.5", "-2.5", "inf", "-inf", "nan", "-nan:0x1234", "nan:0x200001", "1e30", "-1e-40", "0x1p-149"
  };

  /** A random float expression of {@code type} over the parameters (two of each type). */
  private static String expression(java.util.Random r, String type, int depth) {
    boolean wide = type.equals("f64");
    int pick = depth <= 0 ? r.nextInt(2) : r.nextInt(10);
    switch (pick) {
      case 0:
        return "(local.get " + ((wide ? 0 : 2) + r.nextInt(2)) + ")";
      case 1:
        return "(" + type + ".const " + CONSTANTS[r.nextInt(CONSTANTS.length)] + ")";
      case 2:
        return wide
            ? "(f64.promote_f32 " + expression(r, "f32", depth - 1) + ")"
            : "(f32.demote_f64 " + expression(r, "f64", depth - 1) + ")";
      case 3:
      case 4:
      case 5:
        return "(" + type + "." + UNARY[r.nextInt(UNARY.length)] + " " + expression(r, type, depth - 1) + ")";
      default:
        return "(" + type + "." + BINARY[r.nextInt(BINARY.length)] + " " + expression(r, type, depth - 1) + " "
            + expression(r, type, depth - 1) + ")";
    }
  }

  /** An expression whose outermost instruction can produce a NaN (not a bit operation, not an operand). */
  private static String root(java.util.Random r, String type) {
    if (r.nextBoolean()) {
      return "(" + type + "." + BINARY[r.nextInt(BINARY.length)] + " " + expression(r, type, 4) + " "
          + expression(r, type, 4) + ")";
    }
    return "(" + type + "." + UNARY[2 + r.nextInt(UNARY.length - 2)] + " " + expression(r, type, 4) + ")";
  }

  /**
   * Random float expressions (the {@code -ttf} modules rarely let a float reach a result): the same with the pass
   * as without except for NaN bits; with canonicalisation every NaN result is canonical and the interpreter and
   * the compiler agree bit for bit.
   */
  @Test
  void randomFloatExpressionsGiveTheSameNumbersAndOnlyCanonicalNaNsWithTheOption() throws Exception {
    java.util.Random r = new java.util.Random(Long.getLong("metering.fuzz.seed", 20261121L));
    int functions = 150;
    StringBuilder wat = new StringBuilder("(module\n");
    for (int f = 0; f < functions; f++) {
      String type = f % 2 == 0 ? "f64" : "f32";
      String bits = type.equals("f64") ? "i64.reinterpret_f64" : "i32.reinterpret_f32";
      wat.append(
          String.format(
              "(func (export \"e%d\") (param f64 f64 f32 f32) (result %s) (%s %s))%n",
              f, type.equals("f64") ? "i64" : "i32", bits, root(r, type)));
    }
    byte[] bytes = Meter.wat(dir, wat.append(")").toString());
    long[][] inputs = {
      {Double.doubleToRawLongBits(1.25), Double.doubleToRawLongBits(-0.0), Float.floatToRawIntBits(3.5f), 0},
      {0x7FF4000000000001L, 0xFFF8000000000001L, 0x7FA00001L, 0xFFC00001L},
      {Double.doubleToRawLongBits(Double.POSITIVE_INFINITY), 0, Float.floatToRawIntBits(-0.0f), 0xFF800000L},
    };
    List<Object> original = new ArrayList<>();
    List<Object> conforming = new ArrayList<>();
    List<Object> canonical = new ArrayList<>();
    List<Object> canonicalCompiled = new ArrayList<>();
    Run o = instantiate(bytes, false, false, SLICE, AMPLE);
    Run c = instantiate(FloatRewriter.rewrite(bytes, false), false, false, SLICE, AMPLE);
    byte[] canonicalBytes = FloatRewriter.rewrite(bytes, true);
    Run k = instantiate(canonicalBytes, false, false, SLICE, AMPLE);
    Run kc = instantiate(canonicalBytes, false, true, SLICE, AMPLE);
    int nans = 0;
    for (int f = 0; f < functions; f++) {
      for (long[] in : inputs) {
        String name = "e" + f;
        original.add(name + "=" + o.call(name, in));
        conforming.add(name + "=" + c.call(name, in));
        Object bits = k.call(name, in);
        canonical.add(name + "=" + bits);
        canonicalCompiled.add(name + "=" + kc.call(name, in));
        long v = (Long) ((List<?>) bits).get(0);
        boolean nan = f % 2 == 0 ? Double.isNaN(Double.longBitsToDouble(v)) : Float.isNaN(Float.intBitsToFloat((int) v));
        if (nan) {
          nans++;
          assertThat(f % 2 == 0 ? v : (int) v)
              .as("%s%s", name, java.util.Arrays.toString(in))
              .isEqualTo(f % 2 == 0 ? FloatRewriter.CANONICAL_F64 : (long) FloatRewriter.CANONICAL_F32);
        }
      }
    }
    original.add("memory");
    conforming.add("memory");
    canonical.add("memory");
    assertThat(withoutNaNBits(conforming)).isEqualTo(withoutNaNBits(original));
    assertThat(withoutNaNBits(canonical)).isEqualTo(withoutNaNBits(original));
    assertThat(canonicalCompiled).isEqualTo(canonical.subList(0, canonical.size() - 1));
    assertThat(nans).as("NaN results").isGreaterThan(functions / 4);
    assertThat(nans).as("number results").isLessThan(functions * 3 - functions / 4);
  }

  /**
   * The script without the memory digest (NaNs stored to memory may differ in bits), with every number that is
   * the bit pattern of an f32 or f64 NaN replaced by {@code NaN}.
   */
  private static List<String> withoutNaNBits(List<Object> script) {
    List<String> out = new ArrayList<>();
    for (Object o : script.subList(0, script.size() - 1)) {
      Matcher m = NUMBER.matcher(o.toString());
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String token = m.group();
        String replacement = token;
        try {
          long v = Long.parseLong(token);
          boolean nan64 = Double.isNaN(Double.longBitsToDouble(v));
          boolean nan32 = v == (int) v || (v >= 0 && v <= 0xFFFFFFFFL) ? Float.isNaN(Float.intBitsToFloat((int) v)) : false;
          if (nan64 || nan32) {
            replacement = "NaN";
          }
        } catch (NumberFormatException ignored) {
          // longer than a long: not a value
        }
        m.appendReplacement(sb, replacement);
      }
      m.appendTail(sb);
      out.add(sb.toString());
    }
    return out;
  }
}
