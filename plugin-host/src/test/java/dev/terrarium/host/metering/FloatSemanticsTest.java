package dev.terrarium.host.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Float results through the public API, under the interpreter and the compiler, metered and unmetered: the
 * operations Endive 1.0.0 gets wrong conform to the specification, bit operations keep NaN payloads, and with
 * {@code canonicalizeNaNs()} every NaN a float operation produces is the canonical one (docs/floats.md).
 */
class FloatSemanticsTest {
  @TempDir Path dir;

  private static final long SNAN32 = 0x7FA00001L;
  private static final long NEG_SNAN32 = 0xFFA00001L;
  private static final long QNAN32 = 0x7FC12345L;
  private static final long NEG_QNAN32 = 0xFFC12345L;
  private static final long SNAN64 = 0x7FF4000000000001L;
  private static final long NEG_SNAN64 = 0xFFF4000000000001L;
  private static final long QNAN64 = 0x7FF8000012345678L;
  private static final long NEG_QNAN64 = 0xFFF8000012345678L;
  private static final long[] NANS32 = {SNAN32, NEG_SNAN32, QNAN32, NEG_QNAN32};
  private static final long[] NANS64 = {SNAN64, NEG_SNAN64, QNAN64, NEG_QNAN64};
  private static final long ONE_HALF32 = Float.floatToRawIntBits(1.5f);
  private static final long ONE_HALF64 = Double.doubleToRawLongBits(1.5);

  private static final List<String> UNARY = List.of("abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest");
  private static final List<String> BINARY = List.of("add", "sub", "mul", "div", "min", "max", "copysign");

  /** Every float operation on bit patterns: {@code "f32.min"} takes and returns the bits as i32. */
  private static String module() {
    StringBuilder w = new StringBuilder("(module\n");
    for (String t : List.of("f32", "f64")) {
      String i = t.equals("f32") ? "i32" : "i64";
      String in = t + ".reinterpret_" + i;
      String out = i + ".reinterpret_" + t;
      for (String op : UNARY) {
        w.append(
            String.format(
                "(func (export \"%s.%s\") (param %s) (result %s) (%s (%s.%s (%s (local.get 0)))))%n",
                t, op, i, i, out, t, op, in));
      }
      for (String op : BINARY) {
        w.append(
            String.format(
                "(func (export \"%s.%s\") (param %s %s) (result %s) (%s (%s.%s (%s (local.get 0)) (%s (local.get 1)))))%n",
                t, op, i, i, i, out, t, op, in, in));
      }
    }
    w.append("(func (export \"demote\") (param i64) (result i32)")
        .append(" (i32.reinterpret_f32 (f32.demote_f64 (f64.reinterpret_i64 (local.get 0)))))\n");
    w.append("(func (export \"promote\") (param i32) (result i64)")
        .append(" (i64.reinterpret_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 0)))))\n");
    // A loop of min and floor, to compare fuel with and without the float pass.
    w.append("(func (export \"work\") (param i32) (result i64) (local f64)\n")
        .append("  (loop $l (local.set 1 (f64.floor (f64.min (local.get 1) (f64.convert_i32_s (local.get 0)))))\n")
        .append("    (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))\n")
        .append("  (i64.reinterpret_f64 (local.get 1)))\n");
    return w.append(")").toString();
  }

  static Stream<Arguments> hosts() {
    List<Arguments> out = new ArrayList<>();
    for (ExecutionMode mode : ExecutionMode.values()) {
      out.add(Arguments.of(mode, false));
      out.add(Arguments.of(mode, true));
    }
    return out.stream();
  }

  /** Runs {@code body} on an instance of {@code wasm} in a host with these options. */
  private static <T> T withInstance(
      byte[] wasm, ExecutionMode mode, boolean metered, boolean canonical, java.util.function.Function<PluginInstance, T> body) {
    PluginHost.Builder b = PluginHost.builder().executionMode(mode);
    if (metered) {
      b.meterFuel();
    }
    if (canonical) {
      b.canonicalizeNaNs();
    }
    try (PluginHost host = b.build()) {
      Plugin plugin = host.load(wasm, PluginManifest.of("floats", "1.0.0"));
      if (metered) {
        Tenant t =
            host.tenant("t", FuelPolicy.builder().capacity(1L << 40).refill(1, Duration.ofDays(365)).build());
        try (PluginInstance i = plugin.instantiate(t, InstanceOptions.defaults())) {
          return body.apply(i);
        }
      }
      try (PluginInstance i = plugin.instantiate()) {
        return body.apply(i);
      }
    }
  }

  private static long call(PluginInstance i, String name, long... args) {
    return i.call(name, args)[0];
  }

  private static boolean quietNaN32(long bits) {
    int x = (int) bits;
    return (x & 0x7FC00000) == 0x7FC00000;
  }

  private static boolean quietNaN64(long x) {
    return (x & 0x7FF8000000000000L) == 0x7FF8000000000000L;
  }

  @ParameterizedTest(name = "{0}, metered={1}")
  @MethodSource("hosts")
  void signallingNaNsIntoMinMaxAndRoundingGiveQuietNaNs(ExecutionMode mode, boolean metered) {
    byte[] wasm = Meter.wat(dir, module());
    withInstance(
        wasm,
        mode,
        metered,
        false,
        i -> {
          for (long nan : new long[] {SNAN32, NEG_SNAN32}) {
            for (String op : List.of("f32.min", "f32.max")) {
              assertThat(quietNaN32(call(i, op, nan, ONE_HALF32))).as("%s(%x, 1.5)", op, nan).isTrue();
              assertThat(quietNaN32(call(i, op, ONE_HALF32, nan))).as("%s(1.5, %x)", op, nan).isTrue();
            }
            for (String op : List.of("f32.floor", "f32.ceil", "f32.trunc", "f32.nearest", "f32.sqrt")) {
              assertThat(quietNaN32(call(i, op, nan))).as("%s(%x)", op, nan).isTrue();
            }
          }
          for (long nan : new long[] {SNAN64, NEG_SNAN64}) {
            for (String op : List.of("f64.min", "f64.max")) {
              assertThat(quietNaN64(call(i, op, nan, ONE_HALF64))).as("%s(%x, 1.5)", op, nan).isTrue();
              assertThat(quietNaN64(call(i, op, ONE_HALF64, nan))).as("%s(1.5, %x)", op, nan).isTrue();
            }
            for (String op : List.of("f64.floor", "f64.ceil", "f64.trunc", "f64.nearest", "f64.sqrt")) {
              assertThat(quietNaN64(call(i, op, nan))).as("%s(%x)", op, nan).isTrue();
            }
          }
          // Numbers are untouched, signed zeros included.
          assertThat(call(i, "f64.floor", Double.doubleToRawLongBits(-1.5))).isEqualTo(Double.doubleToRawLongBits(-2.0));
          assertThat(call(i, "f64.trunc", Double.doubleToRawLongBits(-0.5))).isEqualTo(Double.doubleToRawLongBits(-0.0));
          assertThat(call(i, "f64.ceil", Double.doubleToRawLongBits(-0.5))).isEqualTo(Double.doubleToRawLongBits(-0.0));
          assertThat(call(i, "f64.min", Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(-0.0)))
              .isEqualTo(Double.doubleToRawLongBits(-0.0));
          assertThat(call(i, "f64.max", Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(0.0)))
              .isEqualTo(Double.doubleToRawLongBits(0.0));
          assertThat((int) call(i, "f32.min", Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(-0.0f)))
              .isEqualTo(Float.floatToRawIntBits(-0.0f));
          assertThat((int) call(i, "f32.max", ONE_HALF32, Float.floatToRawIntBits(Float.NEGATIVE_INFINITY)))
              .isEqualTo((int) ONE_HALF32);
          return null;
        });
  }

  @ParameterizedTest(name = "{0}, metered={1}")
  @MethodSource("hosts")
  void absNegAndCopysignKeepNaNPayloadsExactlyWhenCalledOftenToo(ExecutionMode mode, boolean metered) {
    byte[] wasm = Meter.wat(dir, module());
    withInstance(
        wasm,
        mode,
        metered,
        true, // the option must not touch bit operations either
        i -> {
          // Many calls: the JVM compiles Endive's code in tiers, and Endive's f32.abs changed with the tier.
          for (int round = 0; round < 3_000; round++) {
            for (long nan : NANS32) {
              assertThat((int) call(i, "f32.abs", nan)).isEqualTo((int) (nan & 0x7FFFFFFFL));
              assertThat((int) call(i, "f32.neg", nan)).isEqualTo((int) (nan ^ 0x80000000L));
              assertThat((int) call(i, "f32.copysign", nan, 0xBF800000L)).isEqualTo((int) (nan | 0x80000000L));
              assertThat((int) call(i, "f32.copysign", ONE_HALF32, nan)).isEqualTo((int) (ONE_HALF32 | (nan & 0x80000000L)));
            }
            for (long nan : NANS64) {
              assertThat(call(i, "f64.abs", nan)).isEqualTo(nan & Long.MAX_VALUE);
              assertThat(call(i, "f64.neg", nan)).isEqualTo(nan ^ Long.MIN_VALUE);
              assertThat(call(i, "f64.copysign", nan, ONE_HALF64)).isEqualTo(nan & Long.MAX_VALUE);
              assertThat(call(i, "f64.copysign", ONE_HALF64, nan)).isEqualTo(ONE_HALF64 | (nan & Long.MIN_VALUE));
            }
            if (round > 0 && round % 1_000 != 0) {
              continue;
            }
            assertThat((int) call(i, "f32.abs", Float.floatToRawIntBits(-2.5f))).isEqualTo(Float.floatToRawIntBits(2.5f));
            assertThat(call(i, "f64.abs", Double.doubleToRawLongBits(-0.0))).isEqualTo(0L);
          }
          return null;
        });
  }

  /** All results of NaN-producing operations on NaNs, and on numbers that make a NaN (0/0, inf-inf, sqrt(-1)). */
  private static Map<String, Long> nanResults(PluginInstance i) {
    Map<String, Long> out = new TreeMap<>();
    long zero32 = 0;
    long inf32 = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
    long zero64 = 0;
    long inf64 = Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
    for (String op : UNARY) {
      if (op.equals("abs") || op.equals("neg")) {
        continue;
      }
      for (long nan : NANS32) {
        out.put("f32." + op + "(" + Long.toHexString(nan) + ")", call(i, "f32." + op, nan) & 0xFFFFFFFFL);
      }
      for (long nan : NANS64) {
        out.put("f64." + op + "(" + Long.toHexString(nan) + ")", call(i, "f64." + op, nan));
      }
    }
    for (String op : BINARY) {
      if (op.equals("copysign")) {
        continue;
      }
      for (long nan : NANS32) {
        out.put("f32." + op + "(" + Long.toHexString(nan) + ",x)", call(i, "f32." + op, nan, ONE_HALF32) & 0xFFFFFFFFL);
        out.put("f32." + op + "(x," + Long.toHexString(nan) + ")", call(i, "f32." + op, ONE_HALF32, nan) & 0xFFFFFFFFL);
      }
      for (long nan : NANS64) {
        out.put("f64." + op + "(" + Long.toHexString(nan) + ",x)", call(i, "f64." + op, nan, ONE_HALF64));
        out.put("f64." + op + "(x," + Long.toHexString(nan) + ")", call(i, "f64." + op, ONE_HALF64, nan));
      }
    }
    out.put("f32.div(0,0)", call(i, "f32.div", zero32, zero32) & 0xFFFFFFFFL);
    out.put("f32.sub(inf,inf)", call(i, "f32.sub", inf32, inf32) & 0xFFFFFFFFL);
    out.put("f32.mul(0,inf)", call(i, "f32.mul", zero32, inf32) & 0xFFFFFFFFL);
    out.put("f32.sqrt(-1)", call(i, "f32.sqrt", Float.floatToRawIntBits(-1f)) & 0xFFFFFFFFL);
    out.put("f64.div(0,0)", call(i, "f64.div", zero64, zero64));
    out.put("f64.add(inf,-inf)", call(i, "f64.add", inf64, inf64 | Long.MIN_VALUE));
    out.put("f64.sqrt(-1)", call(i, "f64.sqrt", Double.doubleToRawLongBits(-1.0)));
    for (long nan : NANS64) {
      out.put("demote(" + Long.toHexString(nan) + ")", call(i, "demote", nan) & 0xFFFFFFFFL);
    }
    for (long nan : NANS32) {
      out.put("promote(" + Long.toHexString(nan) + ")", call(i, "promote", nan));
    }
    return out;
  }

  @ParameterizedTest(name = "metered={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void canonicalizeNaNs_everyNaNProducingOperationGivesTheCanonicalNaNUnderBothModes(boolean metered) {
    byte[] wasm = Meter.wat(dir, module());
    Map<String, Long> interpreted = withInstance(wasm, ExecutionMode.INTERPRETER, metered, true, FloatSemanticsTest::nanResults);
    Map<String, Long> compiled = withInstance(wasm, ExecutionMode.COMPILER, metered, true, FloatSemanticsTest::nanResults);
    assertThat(interpreted).hasSizeGreaterThan(100);
    interpreted.forEach(
        (what, bits) -> {
          boolean wide = what.startsWith("f64") || what.startsWith("promote");
          assertThat(bits).as(what).isEqualTo(wide ? FloatRewriter.CANONICAL_F64 : (long) FloatRewriter.CANONICAL_F32);
        });
    assertThat(compiled).isEqualTo(interpreted);
    // Without the option the x86 default NaN of 0/0 is negative: the option is what makes it canonical.
    Map<String, Long> plain = withInstance(wasm, ExecutionMode.COMPILER, metered, false, FloatSemanticsTest::nanResults);
    assertThat(plain).isNotEqualTo(interpreted);
    // Numbers are untouched by the option.
    withInstance(
        wasm,
        ExecutionMode.COMPILER,
        metered,
        true,
        i -> {
          assertThat(call(i, "f64.div", Double.doubleToRawLongBits(1.0), Double.doubleToRawLongBits(-0.0)))
              .isEqualTo(Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY));
          assertThat((int) call(i, "f32.sub", Float.floatToRawIntBits(-0.0f), 0)).isEqualTo(Float.floatToRawIntBits(-0.0f));
          assertThat(call(i, "promote", ONE_HALF32)).isEqualTo(ONE_HALF64);
          assertThat(call(i, "work", 1000)).isEqualTo(Double.doubleToRawLongBits(0.0));
          return null;
        });
  }

  @Test
  void fuelPerCallIsTheSameWithAndWithoutTheFloatPassUnderBothModes() {
    byte[] wasm = Meter.wat(dir, module());
    List<Long> fuel = new ArrayList<>();
    for (ExecutionMode mode : ExecutionMode.values()) {
      for (boolean canonical : new boolean[] {false, true}) {
        fuel.add(
            withInstance(
                wasm,
                mode,
                true,
                canonical,
                i -> {
                  call(i, "work", 500);
                  long work = i.lastCallFuel();
                  call(i, "f64.min", SNAN64, ONE_HALF64);
                  return work * 1_000_000 + i.lastCallFuel();
                }));
      }
    }
    assertThat(fuel).hasSize(4).allMatch(f -> f.equals(fuel.get(0)));
    // The fuel of the unrewritten metered module, from the rewriter alone.
    Meter.Run run = Meter.instantiate(wasm, true, false, 1_000_000, Long.MAX_VALUE / 4);
    run.call("work", 500);
    long before = run.consumed();
    run.call("f64.min", SNAN64, ONE_HALF64);
    assertThat(before * 1_000_000 + run.consumed() - before).isEqualTo(fuel.get(0));
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(ExecutionMode.class)
  void aFunctionThatTailCallsItselfGetsAHelperCallInsteadOfAScratchLocal(ExecutionMode mode) {
    // Endive's interpreter fails on a self tail call in a function with declared locals: the float pass must
    // not add any to it.
    String wat =
        "(module (func $min (export \"min\") (param i64 i32) (result i64)\n"
            + "  (if (result i64) (local.get 1)\n"
            + "    (then (return_call $min (local.get 0) (i32.sub (local.get 1) (i32.const 1))))\n"
            + "    (else (i64.reinterpret_f64 (f64.min (f64.reinterpret_i64 (local.get 0)) (f64.const 1)))))))";
    byte[] wasm = Meter.wat(dir, wat, "--enable-tail-call");
    byte[] rewritten = FloatRewriter.rewrite(wasm, false);
    assertThat(rewritten).isNotEqualTo(wasm);
    for (boolean metered : new boolean[] {false, true}) {
      long bits = withInstance(wasm, mode, metered, false, i -> call(i, "min", SNAN64, 5));
      assertThat(quietNaN64(bits)).as("metered=%s: %x", metered, bits).isTrue();
      long canonical = withInstance(wasm, mode, metered, true, i -> call(i, "min", NEG_QNAN64, 5));
      assertThat(canonical).isEqualTo(FloatRewriter.CANONICAL_F64);
    }
  }

  @Test
  void aModuleWithoutAffectedInstructionsIsReturnedItself() {
    byte[] wasm =
        Meter.wat(
            dir,
            "(module (func (export \"f\") (param f64 f64) (result f64)"
                + " (f64.add (f64.neg (local.get 0)) (f64.copysign (local.get 1) (f64.const -1)))))");
    assertThat(FloatRewriter.rewrite(wasm, false)).isSameAs(wasm);
    assertThat(FloatRewriter.rewrite(wasm, true)).isNotSameAs(wasm);
  }

  @Test
  void aTruncatedModuleIsRefusedAsMalformedAndTheHostStillLoadsAGoodOne() {
    byte[] wasm = Meter.wat(dir, module());
    byte[] truncated = java.util.Arrays.copyOf(wasm, wasm.length - 7);
    assertThatThrownBy(() -> FloatRewriter.rewrite(truncated, true))
        .isInstanceOfSatisfying(MeteringException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOAD_MALFORMED))
        .hasMessageContaining("byte offset");
    try (PluginHost host = PluginHost.builder().canonicalizeNaNs().build()) {
      assertThatThrownBy(() -> host.load(truncated, PluginManifest.of("broken", "1.0.0")))
          .isInstanceOfSatisfying(
              dev.terrarium.api.PluginLoadException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOAD_MALFORMED));
      try (PluginInstance i = host.load(wasm, PluginManifest.of("good", "1.0.0")).instantiate()) {
        assertThat(call(i, "f64.div", 0, 0)).isEqualTo(FloatRewriter.CANONICAL_F64);
      }
    }
  }
}
