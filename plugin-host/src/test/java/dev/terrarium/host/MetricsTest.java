package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginCallException;
import dev.terrarium.host.metrics.TerrariumMetrics;
import dev.terrarium.samples.abi.Greeter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The meters a host publishes through {@link TerrariumMetrics}, read back from a real registry. */
class MetricsTest {
  private static final String TRAPS =
      """
      (module
        (func (export "ok") (result i32) (i32.const 7))
        (func (export "trap") unreachable)
        (func (export "third") (result i32) (i32.const 3)))
      """;

  private static FuelPolicy budget(long units) {
    return FuelPolicy.builder().capacity(units).refill(1, java.time.Duration.ofDays(365)).build();
  }

  private static double calls(SimpleMeterRegistry registry, String plugin, String function, String outcome) {
    FunctionTimer t =
        registry
            .find("terrarium.calls")
            .tags("plugin", plugin, "function", function, "outcome", outcome)
            .functionTimer();
    return t == null ? 0 : t.count();
  }

  @Test
  void calls_areCountedPerFunctionAndOutcome_andTypedProxiesAllocatorIsNotCounted() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String[] id = new String[1];
    var store = new TypedBindingsTest.MemoryStore();
    try (PluginHost host =
        PluginHost.builder()
            .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, store)
            .metrics(TerrariumMetrics.builder().timeEvery(1).build())
            .meterRegistry(registry)
            .build()) {
      Plugin greeter = host.load(Fixtures.bytes("greeter-c.wasm"));
      id[0] = greeter.id();
      try (PluginInstance i = greeter.instantiate()) {
        Greeter g = i.exports(Greeter.class);
        for (int n = 0; n < 5; n++) {
          assertThat(g.greet("Ana")).isEqualTo("Hello, Ana!");
        }
      }
      Plugin traps = host.load(Wat.compile(TRAPS), manifest("traps"));
      try (PluginInstance i = traps.instantiate()) {
        assertThat(i.call("ok")).containsExactly(7);
        assertThatThrownBy(() -> i.call("trap")).isInstanceOf(PluginCallException.class);
      }
    }
    assertThat(calls(registry, id[0], "greet", "success")).isEqualTo(5);
    assertThat(registry.find("terrarium.calls").tag("function", "alloc").meters()).isEmpty();
    assertThat(registry.find("terrarium.calls").tag("function", "dealloc").meters()).isEmpty();
    assertThat(calls(registry, "traps", "ok", "success")).isEqualTo(1);
    assertThat(calls(registry, "traps", "trap", "CALL_TRAP")).isEqualTo(1);
    FunctionTimer greet =
        registry.get("terrarium.calls").tags("plugin", id[0], "function", "greet", "outcome", "success")
            .functionTimer();
    assertThat(greet.totalTime(TimeUnit.NANOSECONDS)).as("every call timed").isPositive();
  }

  @Test
  void calls_sampledTimingStillCountsEveryCall() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (PluginHost host = PluginHost.builder().meterRegistry(registry).build();
        PluginInstance i = host.load(Wat.compile(TRAPS), manifest("sampled")).instantiate()) {
      for (int n = 0; n < 100; n++) {
        i.call("ok");
      }
    }
    FunctionTimer ok =
        registry.get("terrarium.calls").tags("plugin", "sampled", "function", "ok", "outcome", "success")
            .functionTimer();
    assertThat(ok.count()).isEqualTo(100);
    assertThat(ok.totalTime(TimeUnit.NANOSECONDS)).isPositive();
  }

  @Test
  void tags_areBounded_functionsAndPluginsPastTheBoundShareOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TerrariumMetrics metrics = TerrariumMetrics.builder().maxFunctions(1).maxPlugins(1).build();
    metrics.bindTo(registry);
    try (PluginHost host = PluginHost.builder().metrics(metrics).build()) {
      try (PluginInstance i = host.load(Wat.compile(TRAPS), manifest("first")).instantiate()) {
        i.call("ok");
        i.call("third");
        i.call("third");
      }
      try (PluginInstance i = host.load(Wat.compile(TRAPS), manifest("second")).instantiate()) {
        i.call("ok");
      }
    }
    assertThat(calls(registry, "first", "ok", "success")).isEqualTo(1);
    assertThat(calls(registry, "first", "other", "success")).isEqualTo(2);
    assertThat(calls(registry, "other", "ok", "success")).isEqualTo(1);
    assertThat(registry.find("terrarium.calls").tag("plugin", "second").meters()).isEmpty();
  }

  @Test
  void metricsBoundAfterTheHostWasBuilt_showWhatHappenedBefore() {
    TerrariumMetrics metrics = TerrariumMetrics.create();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (PluginHost host = PluginHost.builder().metrics(metrics).build();
        PluginInstance i = host.load(Wat.compile(TRAPS), manifest("late")).instantiate()) {
      i.call("ok");
      i.call("ok");
      metrics.bindTo(registry);
      metrics.bindTo(registry);
      i.call("ok");
      assertThat(calls(registry, "late", "ok", "success")).isEqualTo(3);
      assertThat(registry.get("terrarium.instances.live").tag("plugin", "late").gauge().value()).isEqualTo(1);
    }
  }

  @Test
  void instances_liveAndCreated() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (PluginHost host = PluginHost.builder().meterRegistry(registry).build()) {
      Plugin p = host.load(Wat.compile(TRAPS), manifest("counted"));
      PluginInstance a = p.instantiate();
      PluginInstance b = p.instantiate();
      PluginInstance c = p.instantiate();
      a.close();
      a.close();
      assertThat(registry.get("terrarium.instances.live").tag("plugin", "counted").gauge().value()).isEqualTo(2);
      assertThat(registry.get("terrarium.instances.created").tag("plugin", "counted").functionCounter().count())
          .isEqualTo(3);
      b.close();
      c.close();
      assertThat(registry.get("terrarium.instances.live").tag("plugin", "counted").gauge().value()).isZero();
    }
  }

  @Test
  void compilesAndTheModuleCache_arePublished() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ModuleCache cache = ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT);
    try (PluginHost host =
        PluginHost.builder().moduleCache(cache).tiering(Tiering.off()).meterRegistry(registry).build()) {
      host.load(fixture("add"), manifest("compiled"));
      host.load(fixture("add"), manifest("compiled"));
    }
    var compiles =
        registry.get("terrarium.compilations").tags("plugin", "compiled", "outcome", "success").timer();
    assertThat(compiles.count()).isEqualTo(1);
    assertThat(compiles.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    String name = cache.metricsName();
    assertThat(registry.get("cache.gets").tags("cache", name, "result", "hit").functionCounter().count())
        .isEqualTo(1);
    assertThat(registry.get("cache.size").tag("cache", name).gauge().value()).isEqualTo(1);
    assertThat(registry.get("terrarium.modules.disk.hits").tag("cache", name).functionCounter().count()).isZero();
  }

  @Test
  void fuel_countsTheApplicationsCalls_andTheAllocatorsFuelApart() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    var store = new TypedBindingsTest.MemoryStore();
    try (PluginHost host =
        PluginHost.builder()
            .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, store)
            .meterFuel()
            .meterRegistry(registry)
            .build()) {
      Tenant t = host.tenant("acme", budget(100_000_000));
      Plugin greeter = host.load(Fixtures.bytes("greeter-c.wasm"));
      try (PluginInstance i = greeter.instantiate(t, InstanceOptions.defaults())) {
        Greeter g = i.exports(Greeter.class);
        for (int n = 0; n < 7; n++) {
          g.greet("Ana");
        }
      }
      var used = registry.get("terrarium.fuel.used").tags("tenant", "acme", "plugin", greeter.id()).summary();
      var marshalling =
          registry.get("terrarium.fuel.marshalling").tags("tenant", "acme", "plugin", greeter.id()).counter();
      assertThat(used.count()).as("one sample per call of the application's").isEqualTo(7);
      assertThat(marshalling.count()).as("greet allocates its argument and result").isPositive();
      assertThat((long) (used.totalAmount() + marshalling.count())).isEqualTo(t.used());
    }
  }

  @Test
  void builderOptions_badValuesAreNamed() {
    assertThatThrownBy(() -> TerrariumMetrics.builder().timeEvery(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeEvery must be a power of two from 1 to 1024, was 3");
    assertThatThrownBy(() -> TerrariumMetrics.builder().maxPlugins(0))
        .hasMessage("maxPlugins must be at least 1, was 0");
    assertThatThrownBy(() -> TerrariumMetrics.builder().maxFunctions(-1))
        .hasMessage("maxFunctions must be at least 1, was -1");
    assertThatThrownBy(() -> PluginHost.builder().metrics(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aHostWithoutMetrics_publishesNothingAndServes() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TerrariumMetrics unused = TerrariumMetrics.create();
    unused.bindTo(registry);
    try (PluginHost host = PluginHost.builder().build();
        PluginInstance i = host.load(Wat.compile(TRAPS), manifest("quiet")).instantiate()) {
      assertThat(i.call("ok")).containsExactly(7);
    }
    List<Meter> meters = registry.getMeters();
    assertThat(meters).noneMatch(m -> "quiet".equals(m.getId().getTag("plugin")));
  }
}
