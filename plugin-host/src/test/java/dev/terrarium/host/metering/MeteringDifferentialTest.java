package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.host.metering.Meter.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.Export;
import run.endive.wasm.types.ExternalType;

/**
 * Differential test: random modules from binaryen's {@code wasm-opt -ttf} give the same results, traps, host calls
 * and memory with and without metering (with ample fuel), and the same fuel under the interpreter and the compiler.
 * {@code -Dmetering.fuzz.count=N} runs more modules, {@code -Dmetering.fuzz.seed=S} another series.
 */
@Tag("fuzz")
class MeteringDifferentialTest {
  private static final long SLICE = 1_000_000;
  private static final long AMPLE = Long.MAX_VALUE / 4;
  private static final List<String> FEATURES =
      List.of(
          "--enable-sign-ext",
          "--enable-mutable-globals",
          "--enable-nontrapping-float-to-int",
          "--enable-bulk-memory",
          "--enable-multivalue",
          "--enable-simd",
          "--enable-tail-call");

  @TempDir Path dir;

  @Test
  void randomModulesBehaveTheSameMetered() throws Exception {
    differential(CostModel.defaults(), fuzzCount(), true);
  }

  /**
   * The same under FAST accounting (a local counter per function). Fuel is compared only through the host's
   * settlement in FastAccountingTest: this harness reads the global, which FAST leaves behind after a trap.
   */
  @Test
  void randomModulesBehaveTheSameUnderFastAccounting() throws Exception {
    CostModel fast = CostModel.builder().accounting(CostModel.Accounting.FAST).build();
    Meter.model = fast;
    try {
      differential(fast, fuzzCount(), false);
    } finally {
      Meter.model = CostModel.defaults();
    }
  }

  /**
   * The charge plan moves charges, never their sum: every export of every random module gives the same outcome with
   * and without it, the same fuel when it returns, and at least as much when it traps (a trap forfeits what was
   * prepaid). Under the interpreter and the compiler, which charge the same.
   */
  @Test
  void chargePlanMovesChargesWithoutChangingWhatCallsPay() throws Exception {
    int[] r = compareWithAndWithout(on -> Meter.planned = on);
    System.out.printf(
        "charge plan: %d runs compared, %d calls returned with equal fuel, %d trapped (%d with prepaid fuel)%n",
        r[0], r[1], r[2], r[3]);
    assertThat(r[3]).as("trapping calls that had prepaid (the plan moved charges)").isPositive();
  }

  /**
   * Deferred counter tests ({@link FuelRewriter#DEFERRED_MAX}) move no charge: every export of every random module
   * gives the same outcome with a test per charge, and the same fuel, whether it returns or traps, under both
   * engines.
   */
  @Test
  void deferredTestsChangeNoCharge() throws Exception {
    int[] r = compareWithAndWithout(on -> Meter.deferred = on);
    System.out.printf("deferred tests: %d runs compared, %d calls returned with equal fuel, %d trapped%n", r[0], r[1], r[2]);
    assertThat(r[3]).as("trapping calls charged more with deferred tests").isZero();
    assertThat(r[2]).as("calls that trapped").isPositive();
  }

  /**
   * Runs every export of every random module with a way of charging turned on and off ({@code set}), under both
   * engines: returns {runs compared, calls that returned with equal fuel, calls that trapped, of which with more
   * fuel}. (Counted loops are compared the same way on random loops in {@link CountedLoopTest}: these modules
   * have none.)
   */
  private int[] compareWithAndWithout(java.util.function.Consumer<Boolean> set) throws Exception {
    int count = fuzzCount();
    int compared = 0;
    int returned = 0;
    int trapped = 0;
    int prepaid = 0;
    for (Map.Entry<Integer, byte[]> m : runnableModules(count).entrySet()) {
      int i = m.getKey();
      byte[] bytes = m.getValue();
      for (boolean compiled : new boolean[] {false, true}) {
        List<Object[]> on;
        List<Object[]> off;
        try {
          on = callsWithFuel(instantiate(bytes, true, compiled, SLICE, AMPLE));
          set.accept(false);
          off = callsWithFuel(instantiate(bytes, true, compiled, SLICE, AMPLE));
        } catch (RuntimeException e) {
          continue; // Endive's compiler lacks a feature (e.g. SIMD)
        } finally {
          set.accept(true);
        }
        assertThat(on).hasSameSizeAs(off);
        for (int c = 0; c < on.size(); c++) {
          Object[] p = on.get(c);
          Object[] u = off.get(c);
          String what = "module " + i + (compiled ? " compiled, " : " interpreted, ") + p[0];
          assertThat(p[1]).as(what).isEqualTo(u[1]);
          if (p[1] instanceof List) {
            assertThat((long) p[2]).as(what + " fuel").isEqualTo((long) u[2]);
            returned++;
          } else {
            assertThat((long) p[2]).as(what + " fuel after a trap").isGreaterThanOrEqualTo((long) u[2]);
            trapped++;
            prepaid += (long) p[2] > (long) u[2] ? 1 : 0;
          }
        }
        compared++;
      }
    }
    assertThat(compared).as("runs compared").isGreaterThanOrEqualTo(count);
    assertThat(returned).as("calls that returned").isGreaterThan(count);
    return new int[] {compared, returned, trapped, prepaid};
  }

  /**
   * Trap flushing (EXACT counters in compiled functions' locals, stored by FuelField's handlers at a trap) charges
   * every call what the interpreter charges with the counter in the global, traps included: on the random modules
   * as they are, and split at a small limit so that most of their code runs in moved pieces.
   */
  @Test
  void trapFlushingChargesWhatTheInterpreterCharges() throws Exception {
    int count = fuzzCount();
    int compared = 0;
    int trapped = 0;
    int flushedRuns = 0;
    int splitRuns = 0;
    for (Map.Entry<Integer, byte[]> m : runnableModules(count).entrySet()) {
      int i = m.getKey();
      byte[] bytes = m.getValue();
      for (int limit : new int[] {0, 150}) {
        List<Object[]> interpreted;
        List<Object[]> flushed;
        Meter.splitLimit = limit;
        try {
          interpreted = callsWithFuel(instantiate(bytes, true, false, SLICE, AMPLE));
          Meter.trapFlush = true;
          Run run = instantiate(bytes, true, true, SLICE, AMPLE);
          flushedRuns += run.fuelInMachine ? 1 : 0;
          splitRuns += run.fuelInMachine && limit > 0 ? 1 : 0;
          flushed = callsWithFuel(run);
        } catch (RuntimeException e) {
          if (e instanceof IllegalStateException && e.getMessage().contains("trap-flushing")) {
            throw e;
          }
          continue; // Endive's compiler lacks a feature (e.g. SIMD)
        } finally {
          Meter.trapFlush = false;
          Meter.splitLimit = 0;
        }
        assertThat(flushed).hasSameSizeAs(interpreted);
        for (int c = 0; c < interpreted.size(); c++) {
          Object[] want = interpreted.get(c);
          Object[] got = flushed.get(c);
          String what = "module " + i + ", split at " + limit + ", " + want[0];
          assertThat(got[1]).as(what).isEqualTo(want[1]);
          if (!"stack-exhausted".equals(want[1])) {
            assertThat((long) got[2]).as(what + " fuel").isEqualTo((long) want[2]);
            trapped += want[1] instanceof List ? 0 : 1;
          }
          compared++;
        }
      }
    }
    System.out.printf(
        "trap flushing: %d runs with the handlers (%d of them split), %d calls compared, %d of them trapped%n",
        flushedRuns, splitRuns, compared, trapped);
    assertThat(flushedRuns).as("runs compiled with the handlers").isGreaterThanOrEqualTo(count / 2);
    assertThat(splitRuns).as("split runs compiled with the handlers").isGreaterThanOrEqualTo(count / 4);
    assertThat(compared).as("calls compared").isGreaterThan(count);
    assertThat(trapped).as("calls that trapped").isGreaterThanOrEqualTo(Math.max(1, count / 5));
  }

  /**
   * Moving constructs out of functions ({@link FunctionSplitter}, at a small limit so that it moves every construct
   * larger than its glue) changes no outcome, memory or host call, nor the fuel of any call, under the interpreter
   * and the compiler, with EXACT and FAST accounting (whose function-local counter crosses the glue); the split
   * modules pass wabt's validator. Under FAST, fuel is compared for calls that return (after a trap this harness
   * reads a counter FAST leaves behind).
   */
  @Test
  void splitModulesBehaveAndPayTheSame() throws Exception {
    splitModules(CostModel.defaults());
  }

  @Test
  void splitModulesBehaveAndPayTheSameUnderFastAccounting() throws Exception {
    Meter.model = CostModel.builder().accounting(CostModel.Accounting.FAST).build();
    try {
      splitModules(Meter.model);
    } finally {
      Meter.model = CostModel.defaults();
    }
  }

  /** The split works on unmetered modules too: the same outcomes, memory and host calls, in both engines. */
  @Test
  void unmeteredSplitModulesBehaveTheSame() throws Exception {
    long seed = Long.getLong("metering.fuzz.seed", 20261121L);
    int count = fuzzCount();
    int compared = 0;
    for (int i = 0; i < count; i++) {
      byte[] bytes = randomModule(dir, seed, i);
      byte[] moved = FunctionSplitter.split(bytes, 150);
      if (moved == bytes) {
        continue;
      }
      validate(moved, dir.resolve("plain-split" + i + ".wasm"));
      for (boolean compiled : new boolean[] {false, true}) {
        List<Object> expected;
        try {
          expected = script(instantiate(bytes, false, compiled, SLICE, AMPLE));
        } catch (RuntimeException | StackOverflowError e) {
          continue; // the engine cannot run it
        }
        List<Object> got = script(instantiate(moved, false, compiled, SLICE, AMPLE));
        if (expected.toString().contains("stack-exhausted")) {
          continue; // the split adds frames
        }
        assertThat(got).as("module %d, compiled %s", i, compiled).isEqualTo(expected);
        compared++;
      }
    }
    assertThat(compared).as("runs compared").isGreaterThanOrEqualTo(count);
  }

  private void splitModules(CostModel model) throws Exception {
    boolean fast = model.accounting() == CostModel.Accounting.FAST;
    long seed = Long.getLong("metering.fuzz.seed", 20261121L);
    int count = fuzzCount();
    int split = 0;
    int calls = 0;
    for (int i = 0; i < count; i++) {
      byte[] bytes = randomModule(dir, seed, i);
      byte[] metered;
      try {
        script(instantiate(bytes, false, false, SLICE, AMPLE));
        metered = FuelRewriter.rewrite(bytes, model);
      } catch (RuntimeException | StackOverflowError e) {
        continue; // the engine cannot run it, or the meter does not support it: the other tests cover both
      }
      byte[] moved = FunctionSplitter.split(metered, 150);
      if (moved == metered) {
        continue; // tail calls, or nothing to move
      }
      validate(moved, dir.resolve("split" + i + ".wasm"));
      split++;
      for (boolean compiled : new boolean[] {false, true}) {
        List<Object[]> whole;
        List<Object[]> parts;
        try {
          whole = callsWithFuel(instantiate(bytes, true, compiled, SLICE, AMPLE));
          Meter.splitLimit = 150;
          parts = callsWithFuel(instantiate(bytes, true, compiled, SLICE, AMPLE));
        } catch (RuntimeException e) {
          continue; // Endive's compiler lacks a feature (e.g. SIMD)
        } finally {
          Meter.splitLimit = 0;
        }
        assertThat(parts).hasSameSizeAs(whole);
        for (int c = 0; c < whole.size(); c++) {
          String what = "module " + i + (compiled ? " compiled, " : " interpreted, ") + whole.get(c)[0];
          assertThat(parts.get(c)[1]).as(what).isEqualTo(whole.get(c)[1]);
          if (!"stack-exhausted".equals(whole.get(c)[1]) && (!fast || whole.get(c)[1] instanceof List)) {
            assertThat((long) parts.get(c)[2]).as(what + " fuel").isEqualTo((long) whole.get(c)[2]);
          }
          calls++;
        }
      }
    }
    System.out.printf("split (%s): %d of %d modules split, %d calls compared%n", model.accounting(), split, count, calls);
    assertThat(split).as("modules split").isGreaterThanOrEqualTo(count / 2);
    assertThat(calls).as("calls compared").isGreaterThan(count);
  }

  /** Whether the engine runs {@code bytes} unmetered and the meter rewrites it (under EXACT accounting). */
  /**
   * The first {@code count} random modules (of the series {@code -Dmetering.fuzz.seed} names) that the engine runs
   * and the meter supports, by index; the other tests cover the rest.
   */
  private Map<Integer, byte[]> runnableModules(int count) throws Exception {
    long seed = Long.getLong("metering.fuzz.seed", 20261121L);
    Map<Integer, byte[]> modules = new java.util.LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      byte[] bytes = randomModule(dir, seed, i);
      if (runsAndMeters(bytes)) {
        modules.put(i, bytes);
      }
    }
    return modules;
  }

  /** How many random modules a test runs: {@code -Dmetering.fuzz.count}, 25 by default. */
  private static int fuzzCount() {
    return Integer.getInteger("metering.fuzz.count", 25);
  }

  private static boolean runsAndMeters(byte[] bytes) throws Exception {
    try {
      script(instantiate(bytes, false, false, SLICE, AMPLE));
      FuelRewriter.rewrite(bytes, CostModel.defaults());
      return true;
    } catch (RuntimeException | StackOverflowError e) {
      return false;
    }
  }

  /** Calls every parameterless function export in order: its name, its outcome and the fuel it consumed. */
  private static List<Object[]> callsWithFuel(Run run) {
    WasmModule m = run.instance.module();
    List<Object[]> out = new ArrayList<>();
    for (int e = 0; e < m.exportSection().exportCount(); e++) {
      Export export = m.exportSection().getExport(e);
      if (export.exportType() != ExternalType.FUNCTION || !run.instance.exportType(export.name()).params().isEmpty()) {
        continue;
      }
      long before = run.consumed();
      Object outcome = run.call(export.name());
      out.add(new Object[] {export.name(), outcome, run.consumed() - before});
    }
    return out;
  }

  private void differential(CostModel model, int count, boolean compareFuel) throws Exception {
    long seed = Long.getLong("metering.fuzz.seed", 20261121L);
    int compared = 0;
    int comparedCompiled = 0;
    List<String> engineReasons = new ArrayList<>();
    List<Integer> engineMismatches = new ArrayList<>();
    int unsupported = 0;
    int engineRejected = 0;
    List<String> unsupportedReasons = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] bytes = randomModule(dir, seed, i);

      List<Object> expected;
      try {
        expected = script(instantiate(bytes, false, false, SLICE, AMPLE));
      } catch (RuntimeException | StackOverflowError e) {
        engineRejected++; // the engine itself cannot load or start this module
        engineReasons.add(i + ": " + e);
        continue;
      }
      byte[] metered;
      try {
        metered = FuelRewriter.rewrite(bytes, model);
      } catch (MeteringException e) {
        assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED);
        unsupported++;
        unsupportedReasons.add(e.getMessage());
        continue;
      }
      Parser.parse(metered);
      validate(metered, dir.resolve("metered" + i + ".wasm"));
      // A tiny odd slice under the interpreter: many refuels mid-function must not change anything.
      Run interpreted = instantiate(bytes, true, false, 97, AMPLE);
      assertThat(script(interpreted)).as("module %d interpreted", i).isEqualTo(expected);
      compared++;
      List<Object> expectedCompiled;
      try {
        expectedCompiled = script(instantiate(bytes, false, true, SLICE, AMPLE));
      } catch (RuntimeException e) {
        expectedCompiled = null; // Endive's compiler lacks a feature (e.g. SIMD); the interpreter comparison stands
      }
      if (expectedCompiled != null) {
        if (!expectedCompiled.equals(expected)) {
          // Endive's interpreter and compiler disagree on the original module; metering must not change either.
          engineMismatches.add(i);
        }
        Run compiled = instantiate(bytes, true, true, SLICE, AMPLE);
        assertThat(script(compiled)).as("module %d compiled", i).isEqualTo(expectedCompiled);
        if (compareFuel && !expected.toString().contains("stack-exhausted") && expected.equals(expectedCompiled)) {
          assertThat(interpreted.consumed()).as("module %d fuel", i).isEqualTo(compiled.consumed());
        }
        comparedCompiled++;
      }
    }
    System.out.printf(
        "metering differential: %d modules, %d compared (%d also compiled), %d unsupported by the meter %s,"
            + " %d rejected by the engine %s; Endive's interpreter and compiler disagree on modules %s%n",
        count,
        compared,
        comparedCompiled,
        unsupported,
        unsupportedReasons,
        engineRejected,
        engineReasons,
        engineMismatches);
    assertThat(compared).as("modules compared").isGreaterThanOrEqualTo(count * 3 / 4);
  }

  /**
   * A random module from binaryen's {@code wasm-opt -ttf}: number {@code i} of the series {@code seed}; odd
   * numbers enable the post-MVP features the meter supports.
   */
  static byte[] randomModule(Path dir, long seed, int i) throws Exception {
    Random random = new Random(seed + i);
    byte[] input = new byte[1_000 + random.nextInt(6_000)];
    random.nextBytes(input);
    return dev.terrarium.host.Wat.randomModule(input, i % 2 == 1 ? FEATURES : List.of());
  }

  /** Validates with wabt's wasm-validate too (an independent validator). */
  static void validate(byte[] module, Path file) throws Exception {
    Files.write(file, module);
    Process p = new ProcessBuilder("wasm-validate", "--enable-all", file.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("wasm-validate: " + log).isZero();
  }

  /** Calls every parameterless function export in order; returns outcomes, host calls and a memory digest. */
  static List<Object> script(Run run) throws Exception {
    WasmModule m = run.instance.module();
    List<Object> out = new ArrayList<>();
    for (int e = 0; e < m.exportSection().exportCount(); e++) {
      Export export = m.exportSection().getExport(e);
      if (export.exportType() != ExternalType.FUNCTION || !run.instance.exportType(export.name()).params().isEmpty()) {
        continue;
      }
      out.add(export.name() + "=" + run.call(export.name()));
    }
    out.add(List.copyOf(run.log));
    try {
      var memory = run.instance.memory();
      if (memory != null) {
        byte[] all = memory.readBytes(0, memory.pages() * 65536);
        out.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all)));
      }
    } catch (RuntimeException ignored) {
      out.add("no memory");
    }
    return out;
  }
}
