package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.engine.EngineArtifact;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.InstructionClass;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The compiled-module cache the hosts of a process share: what it keys on, what it weighs, who empties it. */
class SharedModuleCacheTest {
  private static final Grants SIZER_GRANTS =
      Grants.builder()
          .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
          .build();

  /** {@code module} with a custom section naming {@code nonce} appended: other bytes, the same code. */
  static byte[] variant(byte[] module, String nonce) {
    byte[] name = ("nonce-" + nonce).getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(module);
    out.write(0); // custom section
    out.write(1 + name.length); // its size (name length byte + name), < 128
    out.write(name.length);
    out.writeBytes(name);
    return out.toByteArray();
  }

  private static byte[] fresh(byte[] module) {
    return variant(module, UUID.randomUUID().toString().substring(0, 8));
  }

  private static ModuleCache newCache() {
    return ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT);
  }

  @Test
  void hostsBuiltWithoutACache_shareTheProcessWideOne_andCloseLeavesItFull() {
    byte[] add = fresh(fixture("add"));
    PluginHost first = PluginHost.builder().build();
    assertThat(first.moduleCache()).isSameAs(ModuleCache.shared());
    CacheStats before = ModuleCache.shared().stats();
    Plugin a = first.load(add, manifest("a"));
    first.close();
    try (PluginHost second = PluginHost.builder().build()) {
      Plugin b = second.load(add, manifest("b"));
      CacheStats after = second.cacheStats();
      assertThat(after.compilations() - before.compilations()).as("compiled once for both hosts").isEqualTo(1);
      assertThat(after.hits() - before.hits()).isGreaterThanOrEqualTo(1);
      assertThat(b.artifact()).as("the second host's plugin shares the first's compiled module").isSameAs(a.artifact());
      try (PluginInstance i = b.instantiate()) {
        assertThat(i.call("add", 2, 3)).containsExactly(5);
      }
    }
  }

  @Test
  void identicalHosts_compileOnce_andEachLinksItsOwnHostFunctions() {
    ModuleCache cache = newCache();
    try (PluginHost one = Fixtures.host(ExecutionMode.COMPILER).moduleCache(cache).build();
        PluginHost two = Fixtures.host(ExecutionMode.COMPILER).moduleCache(cache).build()) {
      Plugin a = one.load(fixture("add"), manifest("a"));
      Plugin b = two.load(fixture("add"), manifest("b"));
      CacheStats stats = cache.stats();
      assertThat(stats.compilations()).isEqualTo(1);
      assertThat(stats.misses()).isEqualTo(1);
      assertThat(stats.hits()).isEqualTo(1);
      assertThat(stats.entries()).isEqualTo(1);
      assertThat(one.cacheStats()).isEqualTo(two.cacheStats()).isEqualTo(stats);
      assertThat(b.artifact()).isSameAs(a.artifact());
      assertThat(a.id()).isEqualTo("a");
      assertThat(b.id()).isEqualTo("b");
    }
  }

  @Test
  void sharedArtifact_runsWithTheHostFunctionsOfTheHostThatLoadedIt() {
    byte[] caller = fixture("host-call");
    ModuleCache cache = newCache();
    dev.terrarium.api.Capabilities caps = dev.terrarium.api.Capabilities.builder().hostModule("host").build();
    try (PluginHost doubling = hostWith(cache, 2); PluginHost tripling = hostWith(cache, 3)) {
      Plugin d = doubling.load(caller, manifest("d", caps));
      Plugin t = tripling.load(caller, manifest("t", caps));
      assertThat(t.artifact()).isSameAs(d.artifact());
      assertThat(cache.stats().compilations()).isEqualTo(1);
      String export = "callFail";
      try (PluginInstance di = d.instantiate(); PluginInstance ti = t.instantiate()) {
        assertThat(di.call(export, 7)).containsExactly(14);
        assertThat(ti.call(export, 7)).containsExactly(21);
      }
    }
  }

  private static PluginHost hostWith(ModuleCache cache, long factor) {
    return PluginHost.builder()
        .moduleCache(cache)
        .hostFunction(
            "host",
            "fail",
            List.of(dev.terrarium.api.WasmType.I32),
            List.of(dev.terrarium.api.WasmType.I32),
            (ctx, args) -> new long[] {args[0] * factor})
        .build();
  }

  static Stream<Arguments> differences() {
    UnaryOperator<PluginHost.Builder> same = b -> b;
    UnaryOperator<PluginHost.Builder> metered = PluginHost.Builder::meterFuel;
    return Stream.of(
        Arguments.of("execution mode", same, (UnaryOperator<PluginHost.Builder>) b -> b.executionMode(ExecutionMode.INTERPRETER), false),
        Arguments.of("metering", same, metered, false),
        Arguments.of(
            "cost model",
            metered,
            (UnaryOperator<PluginHost.Builder>) b -> b.meterFuel(CostModel.builder().cost(InstructionClass.NUMERIC, 2).build()),
            false),
        Arguments.of(
            "fuel accounting",
            metered,
            (UnaryOperator<PluginHost.Builder>)
                b -> b.meterFuel(CostModel.builder().accounting(CostModel.Accounting.FAST).build()),
            false),
        Arguments.of("NaN canonicalisation", same, (UnaryOperator<PluginHost.Builder>) PluginHost.Builder::canonicalizeNaNs, false),
        Arguments.of("fuel field switch", metered, metered, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("differences")
  void hostsThatCompileDifferently_doNotShareAnArtifact(
      String what,
      UnaryOperator<PluginHost.Builder> first,
      UnaryOperator<PluginHost.Builder> second,
      boolean fuelFieldOff) {
    ModuleCache cache = newCache();
    byte[] add = fixture("add");
    try (PluginHost one = first.apply(PluginHost.builder().moduleCache(cache)).build();
        PluginHost two = buildWithFuelField(second.apply(PluginHost.builder().moduleCache(cache)), !fuelFieldOff)) {
      Plugin a = one.load(add, manifest("a"));
      Plugin b = two.load(add, manifest("b"));
      assertThat(b.artifact()).as(what).isNotSameAs(a.artifact());
      assertThat(cache.stats().compilations()).as(what).isEqualTo(2);
      assertThat(cache.stats().entries()).as(what).isEqualTo(2);
      assertThat(one.cacheKey(a.sha256())).as(what).isNotEqualTo(two.cacheKey(b.sha256()));
      // and a third host like the first shares the first's
      try (PluginHost three = first.apply(PluginHost.builder().moduleCache(cache)).build()) {
        assertThat(three.load(add, manifest("c")).artifact()).as(what).isSameAs(a.artifact());
      }
      assertThat(cache.stats().compilations()).as(what).isEqualTo(2);
    }
  }

  /** Builds with the system property {@code terrarium.fuelField} as given, which a host reads when built. */
  private static PluginHost buildWithFuelField(PluginHost.Builder builder, boolean on) {
    if (on) {
      return builder.build();
    }
    String old = System.getProperty("terrarium.fuelField");
    System.setProperty("terrarium.fuelField", "false");
    try {
      return builder.build();
    } finally {
      if (old == null) {
        System.clearProperty("terrarium.fuelField");
      } else {
        System.setProperty("terrarium.fuelField", old);
      }
    }
  }

  @Test
  void cacheKey_namesTerrariumAndEngineVersions_andOtherVersionsCompileAgain() {
    ModuleCache cache = newCache();
    try (PluginHost host = PluginHost.builder().moduleCache(cache).build()) {
      Plugin p = host.load(fixture("add"), manifest("add"));
      ModuleCache.Key key = host.cacheKey(p.sha256());
      assertThat(key.terrarium()).matches("terrarium-\\d+\\.\\d+\\.\\d+.*");
      assertThat(key.engine()).startsWith("endive-").isNotEqualTo("endive-unknown");
      EngineArtifact held = p.artifact();
      ModuleCache.Key otherTerrarium =
          new ModuleCache.Key(
              key.sha256(), "terrarium-0.0.0", key.engine(), key.mode(), key.metering(), key.canonicalNaNs(), key.fuelField());
      ModuleCache.Key otherEngine =
          new ModuleCache.Key(
              key.sha256(), key.terrarium(), "endive-0.0.0", key.mode(), key.metering(), key.canonicalNaNs(), key.fuelField());
      int[] compiled = new int[1];
      cache.computeIfAbsent(otherTerrarium, () -> { compiled[0]++; return held; });
      cache.computeIfAbsent(otherEngine, () -> { compiled[0]++; return held; });
      cache.computeIfAbsent(key, () -> { compiled[0]++; return held; });
      assertThat(compiled[0]).as("each other version compiles; the host's own key is already there").isEqualTo(2);
    }
  }

  @Test
  void twoHostsLoadingTheSameBytesAtOnce_compileOnce() throws Exception {
    byte[] sizer = fresh(Fixtures.bytes("sizer.wasm"));
    ModuleCache cache = newCache();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (PluginHost one = PluginHost.builder().grants(SIZER_GRANTS).moduleCache(cache).build();
        PluginHost two = PluginHost.builder().grants(SIZER_GRANTS).moduleCache(cache).build()) {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Callable<Plugin>> tasks = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        PluginHost h = i % 2 == 0 ? one : two;
        tasks.add(
            () -> {
              start.await();
              return h.load(sizer);
            });
      }
      List<Plugin> plugins = new ArrayList<>();
      for (Future<Plugin> f : pool.invokeAll(tasks)) {
        plugins.add(f.get());
      }
      CacheStats stats = cache.stats();
      assertThat(stats.compilations()).isEqualTo(1);
      assertThat(stats.hits() + stats.misses()).isEqualTo(threads);
      assertThat(stats.entries()).isEqualTo(1);
      assertThat(plugins).allSatisfy(p -> assertThat(p.artifact()).isSameAs(plugins.get(0).artifact()));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void compiledModule_weighsFarMoreThanItsBytes_andMoreThanInterpreted() {
    byte[] sizer = Fixtures.bytes("sizer.wasm");
    long compiled;
    long interpreted;
    try (PluginHost c = PluginHost.builder().grants(SIZER_GRANTS).moduleCache(newCache()).build();
        PluginHost i =
            PluginHost.builder()
                .grants(SIZER_GRANTS)
                .executionMode(ExecutionMode.INTERPRETER)
                .moduleCache(newCache())
                .build()) {
      c.load(sizer);
      i.load(sizer);
      compiled = c.cacheStats().weightBytes();
      interpreted = i.cacheStats().weightBytes();
    }
    assertThat(interpreted).as("the parsed module").isGreaterThan(10L * sizer.length);
    assertThat(compiled - interpreted).as("the generated classes").isGreaterThan(2L * sizer.length);
  }

  @Test
  void cacheEvictsByWeight_whereBinariesAloneWouldFit() {
    byte[] sizer = Fixtures.bytes("sizer.wasm");
    long one;
    try (PluginHost probe = PluginHost.builder().grants(SIZER_GRANTS).moduleCache(newCache()).build()) {
      probe.load(sizer);
      one = probe.cacheStats().weightBytes();
    }
    // Room for one compiled sizer and a half; three binaries would fit many times over.
    long bound = one + one / 2;
    assertThat(3L * sizer.length).isLessThan(bound / 10);
    ModuleCache cache = ModuleCache.create(bound);
    assertThat(cache.maximumWeightBytes()).isEqualTo(bound);
    try (PluginHost host = PluginHost.builder().grants(SIZER_GRANTS).moduleCache(cache).build()) {
      for (int i = 0; i < 3; i++) {
        host.load(variant(sizer, "e" + i));
      }
      CacheStats stats = host.cacheStats();
      assertThat(stats.compilations()).isEqualTo(3);
      assertThat(stats.evictions()).isEqualTo(2);
      assertThat(stats.entries()).isEqualTo(1);
      assertThat(stats.weightBytes()).isLessThanOrEqualTo(bound);
      // the host still serves, and the bound still holds
      assertThat(host.load(variant(sizer, "e3")).id()).isEqualTo("sizer");
      assertThat(host.cacheStats().weightBytes()).isLessThanOrEqualTo(bound);
      assertThat(host.cacheStats().evictions()).isEqualTo(3);
    }
  }

  @Test
  void privateCacheOfCacheMaximumBytes_isEmptiedByClose_aGivenCacheIsNot() {
    ModuleCache given = newCache();
    PluginHost withGiven = PluginHost.builder().moduleCache(given).build();
    withGiven.load(fixture("add"), manifest("add"));
    withGiven.close();
    assertThat(given.stats().entries()).as("a given cache may serve other hosts").isEqualTo(1);

    @SuppressWarnings("deprecation")
    PluginHost own = PluginHost.builder().cacheMaximumBytes(64L << 20).build();
    ModuleCache its = own.moduleCache();
    assertThat(its).isNotSameAs(ModuleCache.shared());
    assertThat(its.maximumWeightBytes()).isEqualTo(64L << 20);
    own.load(fixture("add"), manifest("add"));
    assertThat(own.cacheStats().compilations()).as("its own cache, not the shared one").isEqualTo(1);
    own.close();
    assertThat(its.stats().entries()).isZero();
  }

  @Test
  void badCacheArguments_areRejectedWithTheirName_andTheSharedCacheStillServes() {
    assertThatThrownBy(() -> ModuleCache.create(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the module cache's maximum weight must not be negative, was -1");
    assertThatThrownBy(() -> PluginHost.builder().moduleCache(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("moduleCache");
    try (PluginHost host = PluginHost.builder().build();
        PluginInstance i = host.load(fixture("add"), manifest("add")).instantiate()) {
      assertThat(i.call("add", 40, 2)).containsExactly(42);
    }
  }
}
