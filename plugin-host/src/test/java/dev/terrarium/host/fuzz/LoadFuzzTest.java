package dev.terrarium.host.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.ExportDescription;
import dev.terrarium.host.Grants;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.ModuleDescription;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.samples.SamplePlugins;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer over the sample plugins, through the public API: raw byte and LEB128 mutations, section
 * edits, splices between modules, and random valid modules from binaryen's {@code wasm-opt -ttf}. Every module is
 * inspected, loaded, instantiated and its exports called, on four hosts (compiler and interpreter, metered and
 * not, one with a guest thread of its own stack). It asserts that
 *
 * <ul>
 *   <li>only {@link PluginException}s escape, never an engine exception or a JVM error;
 *   <li>nothing outlives its limits: every call returns within its deadline (plus a grace for the watchdog),
 *       memory stays within the page limit, a metered call is charged at most its per-call cap, and no guest
 *       thread is left running once the hosts are closed;
 *   <li>each host still loads and runs a good plugin afterwards.
 * </ul>
 *
 * <p>The default run is short (a few hundred modules, well under a minute). A long run:
 * {@code mvn -pl plugin-host test -Dtest=LoadFuzzTest -Dterrarium.fuzz.minutes=25 [-Dterrarium.fuzz.seed=S]}; a
 * failure prints the seed and the iteration, and {@code -Dterrarium.fuzz.keep=DIR} keeps the offending modules.
 */
@Tag("fuzz")
class LoadFuzzTest {
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  /** Time a call may take past its deadline: the watchdog's reaction, a compile under a loaded machine. */
  private static final long GRACE_MILLIS = 5_000;
  private static final int MAX_PAGES = 64;
  private static final long FUEL_PER_CALL = 20_000_000;
  private static final int TTF_EVERY = 25;

  @TempDir Path dir;

  /** A host the fuzzer drives, with the tenant its metered instances charge. */
  private record Target(String name, PluginHost host, Tenant tenant) {}

  @Test
  void mutatedModules_failOnlyWithPluginExceptions_withinTheirLimits() throws Exception {
    long seed = Long.getLong("terrarium.fuzz.seed", 20261204L);
    int count = Integer.getInteger("terrarium.fuzz.count", 240);
    long minutes = Long.getLong("terrarium.fuzz.minutes", 0);
    long deadline = minutes > 0 ? System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes) : Long.MAX_VALUE;
    Path keep = System.getProperty("terrarium.fuzz.keep") == null ? null : Path.of(System.getProperty("terrarium.fuzz.keep"));

    List<byte[]> seeds = new ArrayList<>();
    List<String> seedNames = new ArrayList<>();
    for (String name : SamplePlugins.names()) {
      if (name.endsWith(".wasm") && !name.contains("garbage") && !name.contains("truncated")) {
        seeds.add(SamplePlugins.bytes(name));
        seedNames.add(name);
      }
    }
    assertThat(seeds).hasSizeGreaterThan(20);

    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    List<Target> targets = targets();
    List<String> escapes = new ArrayList<>();
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<ModuleMutator.Kind, Integer> kinds = new EnumMap<>(ModuleMutator.Kind.class);
    int modules = 0;
    try {
      for (int i = 0; minutes > 0 ? System.nanoTime() < deadline : i < count; i++) {
        Random random = new Random(seed * 1_000_003L + i);
        byte[] module;
        String origin;
        if (i % TTF_EVERY == TTF_EVERY - 1) {
          module = ttf(random);
          origin = "wasm-opt -ttf";
        } else {
          int s = random.nextInt(seeds.size());
          ModuleMutator.Kind kind = ModuleMutator.Kind.values()[random.nextInt(ModuleMutator.Kind.values().length)];
          kinds.merge(kind, 1, Integer::sum);
          module = new ModuleMutator(random).mutate(seeds.get(s), seeds.get(random.nextInt(seeds.size())), kind);
          origin = kind + " of " + seedNames.get(s);
        }
        modules++;
        // Big modules compile for seconds: the compiler hosts take only the small ones.
        for (Target t : targets) {
          if (module.length > 24 * 1024 && t.name().startsWith("compiler")) {
            continue;
          }
          String where = "iteration " + i + " (seed " + seed + ", " + origin + ") on " + t.name();
          try {
            outcomes.merge(exercise(t, module, random), 1, Integer::sum);
          } catch (Throwable e) {
            escapes.add(where + ": " + stackTrace(e));
            if (keep != null) {
              Files.createDirectories(keep);
              Files.write(keep.resolve("escape-" + seed + "-" + i + ".wasm"), module);
            }
          }
        }
        if (i % 50 == 49) {
          targets.forEach(LoadFuzzTest::assertServesAGoodPlugin);
        }
      }
      targets.forEach(LoadFuzzTest::assertServesAGoodPlugin);
    } finally {
      targets.forEach(t -> t.host().close());
    }
    System.out.printf("load fuzz: %d modules (seed %d), mutations %s, outcomes %s%n", modules, seed, kinds, outcomes);
    assertThat(escapes).as("exceptions other than PluginException, or limits overrun").isEmpty();
    assertThat(outcomes.keySet()).as("the fuzzer reached the loader's checks and ran code").contains("called");
    assertNoGuestThreadOutlivesItsHost(before);
  }

  private List<Target> targets() {
    Grants grants = Grants.builder().allWasi().build();
    PluginLimits limits = PluginLimits.builder().maxMemoryPages(MAX_PAGES).callTimeout(TIMEOUT).build();
    PluginLimits withStack =
        PluginLimits.builder().maxMemoryPages(MAX_PAGES).callTimeout(TIMEOUT).guestStackBytes(1 << 20).build();
    PluginLimits metered =
        PluginLimits.builder().maxMemoryPages(MAX_PAGES).callTimeout(TIMEOUT).maxFuelPerCall(FUEL_PER_CALL).build();
    List<Target> out = new ArrayList<>();
    out.add(target("compiler", base(ExecutionMode.COMPILER, grants, limits).build()));
    out.add(target("interpreter+stack", base(ExecutionMode.INTERPRETER, grants, withStack).build()));
    out.add(target("compiler+fuel", base(ExecutionMode.COMPILER, grants, metered).meterFuel().build()));
    out.add(target("interpreter+fuel", base(ExecutionMode.INTERPRETER, grants, metered).meterFuel().build()));
    return out;
  }

  private static Target target(String name, PluginHost host) {
    return new Target(name, host, host.tenant("fuzz", FuelPolicy.unlimited()));
  }

  private static PluginHost.Builder base(ExecutionMode mode, Grants grants, PluginLimits limits) {
    return PluginHost.builder()
        .executionMode(mode)
        .grants(grants)
        .limits(limits)
        .moduleCache(dev.terrarium.host.ModuleCache.create(64L << 20))
        .hostFunction(
            "host",
            "fail",
            List.of(WasmType.I32),
            List.of(WasmType.I32),
            (ctx, args) -> {
              if (args[0] < 0) {
                throw new IllegalStateException("negative");
              }
              return new long[] {args[0] * 2};
            })
        .hostFunction("host", "hello", List.of(WasmType.I32), List.of(), (ctx, args) -> null);
  }

  private static final PluginManifest EVERYTHING =
      PluginManifest.of("fuzzed", "1.0.0")
          .withCapabilities(
              Capabilities.builder().wasi(WasiCapability.values()).hostModule("host").build());

  /**
   * Inspects, loads, instantiates and calls {@code module} on {@code t}; returns the outcome's name (a
   * PluginException's code, or "called"). Anything else thrown escapes to the caller as a finding.
   */
  private static String exercise(Target t, byte[] module, Random random) {
    try {
      ModuleDescription d = PluginHost.inspect(module);
      assertThat(d.sha256()).isEqualTo(PluginHost.sha256(module));
    } catch (PluginException e) {
      // Whatever inspect refuses, load must refuse too (below).
    }
    Plugin plugin;
    try {
      // Half the time the embedded (possibly mutated) manifest decides; otherwise one that asks for everything.
      plugin =
          random.nextBoolean()
              ? t.host().loadWithDefaultManifest(module, EVERYTHING)
              : t.host().load(new ByteArrayInputStream(module), EVERYTHING);
    } catch (PluginException e) {
      return e.code().name();
    }
    InstanceOptions options =
        InstanceOptions.builder()
            .stdin(new ByteArrayInputStream(new byte[0]))
            .stdout(OutputStream.nullOutputStream())
            .stderr(OutputStream.nullOutputStream())
            .randomSeed(random.nextLong())
            .build();
    long started = System.nanoTime();
    PluginInstance instance;
    try {
      instance = plugin.instantiate(t.host().metersFuel() ? t.tenant() : null, options);
    } catch (PluginException e) {
      checkTime(started, "instantiation");
      return e.code().name();
    }
    String outcome = "instantiated";
    try (instance) {
      int calls = 0;
      for (ExportDescription e : plugin.description().exports()) {
        if (!e.kind().equals("function") || calls++ >= 4) {
          continue;
        }
        long[] args = arguments(e.signature(), random);
        if (args == null) {
          continue;
        }
        long callStarted = System.nanoTime();
        try {
          instance.call(e.name(), args);
          outcome = "called";
        } catch (PluginException failure) {
          outcome = failure.code().name();
        }
        checkTime(callStarted, "call of " + e.name());
        assertThat(instance.memoryPages()).as("memory after %s", e.name()).isLessThanOrEqualTo(MAX_PAGES);
        if (t.host().metersFuel()) {
          // A call may overrun its cap by less than one slice (docs/quotas.md, "Exact accounting").
          assertThat(instance.lastCallFuel())
              .as("fuel of %s", e.name())
              .isLessThan(FUEL_PER_CALL + dev.terrarium.host.quota.FuelAccount.DEFAULT_SLICE);
        }
        if (!instance.usable()) {
          break;
        }
      }
    }
    return outcome;
  }

  private static void checkTime(long started, String what) {
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(millis).as("%s took %d ms, past its %s deadline", what, millis, TIMEOUT).isLessThan(TIMEOUT.toMillis() + GRACE_MILLIS);
  }

  /** Random arguments for a signature such as {@code (i32, f64) -> (i32)}; {@code null} when not all numbers. */
  private static long[] arguments(String signature, Random random) {
    int close = signature.indexOf(')');
    if (!signature.startsWith("(") || close < 0) {
      return null;
    }
    String params = signature.substring(1, close).strip();
    if (params.isEmpty()) {
      return new long[0];
    }
    String[] types = params.split(",\\s*");
    long[] args = new long[types.length];
    for (int i = 0; i < types.length; i++) {
      switch (types[i]) {
        case "i32", "f32" -> args[i] = random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(100);
        case "i64", "f64" -> args[i] = random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(100);
        default -> {
          return null;
        }
      }
    }
    return args;
  }

  private static byte[] ttf(Random random) {
    byte[] input = new byte[500 + random.nextInt(4_000)];
    random.nextBytes(input);
    return dev.terrarium.host.Wat.randomModule(
        input,
        random.nextBoolean()
            ? List.of(
                "--enable-bulk-memory", "--enable-sign-ext", "--enable-nontrapping-float-to-int", "--enable-multivalue")
            : List.of());
  }

  private static void assertServesAGoodPlugin(Target t) {
    Plugin good =
        t.host().load(SamplePlugins.bytes("fixtures/add.wasm"), PluginManifest.of("good-add", "1.0.0"));
    try (PluginInstance i = good.instantiate(t.host().metersFuel() ? t.tenant() : null, InstanceOptions.defaults())) {
      assertThat(i.call("add", 40, 2)).as("%s still serves a good plugin", t.name()).containsExactly(42);
    }
  }

  private static void assertNoGuestThreadOutlivesItsHost(java.util.Set<Thread> before) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> alive;
    do {
      alive =
          Thread.getAllStackTraces().keySet().stream()
              .filter(Thread::isAlive)
              .filter(thread -> !before.contains(thread))
              .map(Thread::getName)
              .filter(n -> n.startsWith("terrarium-guest"))
              .toList();
      if (alive.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < until);
    assertThat(alive).as("guest threads still running 10 s after their hosts closed").isEmpty();
  }

  private static String stackTrace(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    String s = w.toString();
    return s.length() > 1500 ? s.substring(0, 1500) + "..." : s;
  }
}
