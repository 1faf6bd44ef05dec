package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import dev.terrarium.samples.SamplePlugins;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import run.endive.wasm.Parser;

/** Every sample plugin behaves the same with and without metering, under the interpreter and the compiler. */
class MeteringSamplesTest {
  private static final long AMPLE = Long.MAX_VALUE / 4;
  private static final long SLICE = 1_000_000;

  /** Runs {@code script} on the original and on the metered module (interpreted and compiled). */
  private static List<Object> compare(String sample, Function<Run, List<Object>> script, int maxPages) {
    return compare(sample, script, maxPages, true);
  }

  /**
   * How each sample runs metered, as {split limit, counted loops, slice}: counted loops off, then on (with a large
   * slice and with a small one, so that their chunks often find the counter short and refuel), then split at the
   * default limit and at one that moves every construct it can.
   */
  private static final long[][] CONFIGS = {
    {0, 0, SLICE}, {0, 1, SLICE}, {0, 1, 997}, {FunctionSplitter.DEFAULT_LIMIT, 1, SLICE}, {100, 1, SLICE}
  };

  /**
   * Runs {@code script} on the original and on the metered module (interpreted and compiled), the metered module
   * in each configuration ({@link #CONFIGS}); unless the script exhausts the stack (whose depth differs between the
   * interpreter and the compiler, and with the split), every metered run must consume the same fuel.
   */
  private static List<Object> compare(
      String sample, Function<Run, List<Object>> script, int maxPages, boolean sameFuel) {
    byte[] bytes = SamplePlugins.bytes(sample);
    byte[] metered = FuelRewriter.rewrite(bytes, CostModel.defaults());
    Parser.parse(metered); // validates
    List<Object> expected = script.apply(instantiate(bytes, false, false, SLICE, AMPLE, false, new byte[0], maxPages));
    long fuel = -1;
    try {
      for (long[] config : CONFIGS) {
        int split = (int) config[0];
        Meter.splitLimit = split;
        Meter.counted = config[1] != 0;
        long slice = config[2];
        String as =
            sample
                + (split > 0 ? " split at " + split : "")
                + (Meter.counted ? "" : " without counted loops")
                + (slice != SLICE ? " slice " + slice : "");
        Run interpreted = instantiate(bytes, true, false, slice, AMPLE, false, new byte[0], maxPages);
        Run compiled = instantiate(bytes, true, true, slice, AMPLE, false, new byte[0], maxPages);
        assertThat(script.apply(interpreted)).as(as + " interpreted").isEqualTo(expected);
        assertThat(script.apply(compiled)).as(as + " compiled").isEqualTo(expected);
        assertThat(interpreted.consumed()).as(as + " fuel").isPositive();
        if (sameFuel) {
          assertThat(interpreted.consumed()).as(as + " fuel").isEqualTo(compiled.consumed());
          if (fuel >= 0) {
            assertThat(interpreted.consumed()).as(as + " fuel, as the first").isEqualTo(fuel);
          }
          fuel = interpreted.consumed();
        }
      }
    } finally {
      Meter.splitLimit = 0;
      Meter.counted = true;
    }
    return expected;
  }

  @Test
  void add() {
    List<Object> r =
        compare(
            "fixtures/add.wasm",
            run ->
                List.of(
                    run.call("add", 2, 40),
                    run.call("add64", -5, 3),
                    run.call("addf", Double.doubleToRawLongBits(1.5), Double.doubleToRawLongBits(2.25)),
                    run.call("noop")),
            0);
    assertThat(r.get(0)).isEqualTo(List.of(42L));
  }

  /** The kernels, with small inputs: loops of every shape, counted and not. */
  @Test
  void kernels() {
    List<Object> r =
        compare(
            "kernels.wasm",
            run ->
                List.of(
                    run.call("sha256_1mib"),
                    run.call("sieve", 20_000),
                    run.call("sieve", 1),
                    run.call("matmul", 12),
                    run.call("matmul", 1),
                    run.call("fib", 15),
                    run.call("quicksort", 3_000)),
            0);
    assertThat(r.get(1)).isEqualTo(List.of(2262L)); // primes below 20 000
  }

  @Test
  void traps() {
    List<Object> r =
        compare(
            "fixtures/traps.wasm",
            run -> List.of(run.call("div0"), run.call("oob"), run.call("unreachable")),
            0);
    assertThat(r).allSatisfy(o -> assertThat(o).asString().startsWith("trap:"));
  }

  @Test
  void recursionStillExhaustsTheStack() {
    List<Object> r = compare("fixtures/recursion.wasm", run -> List.of(run.call("recurse", 0), run.call("noop")), 0, false);
    assertThat(r.get(0)).isEqualTo("stack-exhausted");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void loopEndsWhenTheLedgerIsEmpty(boolean compiledMode) {
    byte[] bytes = SamplePlugins.bytes("fixtures/loop.wasm");
    Run run = instantiate(bytes, true, compiledMode, 10_000, 1_000_000);
    assertThat(run.call("spin")).isEqualTo("out-of-fuel");
    assertThat(run.refuels).isEqualTo(100);
    assertThat(run.consumed()).isGreaterThanOrEqualTo(1_000_000);
  }

  @Test
  void memoryBombIsChargedPerPage() {
    List<Object> r = compare("fixtures/memory-bomb.wasm", run -> List.of(run.call("bomb"), run.call("pages")), 64);
    assertThat(r.get(1)).isEqualTo(List.of(49L)); // 1 + 3 * 16; the fourth grow is refused
    Run run = instantiate(SamplePlugins.bytes("fixtures/memory-bomb.wasm"), true, false, SLICE, AMPLE, false,
        new byte[0], 64);
    run.call("bomb");
    // 3 successful grows of 16 pages and one refused: 4 * 16 pages at 1024 each, plus the instructions
    assertThat(run.consumed()).isGreaterThan(4 * 16 * CostModel.DEFAULT_PER_PAGE);
  }

  @Test
  void hostCall() {
    compare("fixtures/host-call.wasm", run -> List.of(run.call("callFail", 7), run.call("noop"), run.log), 0);
  }

  /** Calls an export taking a UTF-8 string and returning a packed {@code (ptr << 32) | len} result. */
  private static Object callWithString(Run run, String export, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Object p = run.call("alloc", bytes.length);
    if (!(p instanceof List<?> l) || l.isEmpty()) {
      return p;
    }
    int ptr = ((Long) l.get(0)).intValue();
    run.instance.memory().write(ptr, bytes);
    Object r = run.call(export, ptr, bytes.length);
    if (!(r instanceof List<?> packedList) || packedList.isEmpty()) {
      return r;
    }
    long packed = (Long) packedList.get(0);
    int resultPtr = (int) (packed >>> 32);
    int len = (int) packed;
    if (len < 0 || len > 1 << 20) {
      return "packed:" + packed;
    }
    return new String(run.instance.memory().readBytes(resultPtr, len), StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm"})
  void greeters(String name) {
    List<Object> r =
        compare(
        name,
        run -> {
          List<Object> out = new ArrayList<>();
          out.add(run.call("noop"));
          Object p = run.call("alloc", 64);
          out.add(p);
          if (p instanceof List<?> l && !l.isEmpty()) {
            out.add(run.call("dealloc", (Long) l.get(0), 64));
          }
          out.add(run.call("alloc", 1000));
          out.add(callWithString(run, "greet", "Metered World"));
          out.add(callWithString(run, "echo_bytes", "échø"));
          out.add(run.log);
          return out;
        },
        0);
    assertThat(r.toString()).contains("Metered World").contains("échø");
  }

  @ParameterizedTest
  @ValueSource(strings = {"sizer.wasm", "echo-shell.wasm", "fixtures/wasi-hello.wasm"})
  void wasiCommands(String name) {
    byte[] bytes = SamplePlugins.bytes(name);
    byte[] stdin = "hello metering\nsecond line\n".getBytes(StandardCharsets.UTF_8);
    List<Object> expected = null;
    long fuel = -1;
    for (int mode = 0; mode <= 2 * CONFIGS.length; mode++) {
      // 0 unmetered, then each configuration interpreted and compiled
      long[] config = mode == 0 ? CONFIGS[0] : CONFIGS[(mode - 1) / 2];
      Meter.splitLimit = (int) config[0];
      Meter.counted = config[1] != 0;
      Run run;
      try {
        run = instantiate(bytes, mode > 0, mode % 2 == 0 && mode > 0, config[2], AMPLE, true, stdin);
      } finally {
        Meter.splitLimit = 0;
        Meter.counted = true;
      }
      Object result = run.call("_start");
      List<Object> got = List.of(result, run.stdout.toString(StandardCharsets.UTF_8));
      if (expected == null) {
        expected = got;
      } else {
        assertThat(got).as(name + " mode " + mode).isEqualTo(expected);
      }
      if (mode == 1) {
        fuel = run.consumed();
      } else if (mode > 1) {
        assertThat(run.consumed()).as(name + " fuel, mode " + mode).isPositive().isEqualTo(fuel);
      }
    }
    assertThat(expected).as(name).doesNotContainNull();
  }
}
