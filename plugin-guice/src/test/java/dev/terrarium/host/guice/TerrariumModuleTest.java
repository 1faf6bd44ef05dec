package dev.terrarium.host.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.multibindings.OptionalBinder;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.Grants;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.quota.FuelLedger;
import dev.terrarium.host.quota.InMemoryFuelLedger;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TerrariumModule} in real injectors, with real plugins. */
class TerrariumModuleTest {
  /** A store the greeter plugins use through their host imports ({@code kv}). */
  static final class MapStore implements KeyValueStore {
    final Map<String, String> values = new ConcurrentHashMap<>();
    final AtomicLong counter = new AtomicLong();

    @Override
    public java.util.Optional<String> get(String key) {
      return java.util.Optional.ofNullable(values.get(key));
    }

    @Override
    public void put(String key, String value) {
      values.put(key, value);
    }

    @Override
    public List<dev.terrarium.samples.abi.Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return counter.addAndGet(delta);
    }
  }

  /** An application's module: a store, and the greeter plugin that uses it. */
  static final class GreeterModule extends AbstractModule {
    @Override
    protected void configure() {
      bind(KeyValueStore.class).to(MapStore.class);
      bind(MapStore.class).asEagerSingleton();
      TerrariumBinder.of(binder())
          .hostImports(KeyValueStore.class)
          .plugin("greeter-c", SamplePlugins.bytes("greeter-c.wasm"));
    }
  }

  /** What an application class gets injected. */
  static final class Service {
    final Plugin greeter;
    final PluginHost host;

    @Inject
    Service(@PluginId("greeter-c") Plugin greeter, PluginHost host) {
      this.greeter = greeter;
      this.host = host;
    }
  }

  @Test
  void aPluginIsInjectedById_andItsHostImportsAreTheInjectorsBinding() {
    Injector injector = Guice.createInjector(new TerrariumModule(), new GreeterModule());
    Service service = injector.getInstance(Service.class);
    try (PluginHost host = service.host;
        PluginInstance i = service.greeter.instantiate()) {
      Greeter g = i.exports(Greeter.class);
      assertThat(g.greet("Ana")).isEqualTo("Hello, Ana!");
      assertThat(g.count(2, 5)).isEqualTo(injector.getInstance(MapStore.class).counter.get()).isPositive();
      assertThat(injector.getInstance(PluginHost.class)).isSameAs(host);
      assertThat(injector.getInstance(Plugins.class).all()).containsOnlyKeys("greeter-c");
    }
  }

  /** Counts the exchanges a host makes with its ledger. */
  static final class CountingLedger implements FuelLedger {
    final InMemoryFuelLedger inner = new InMemoryFuelLedger();
    final AtomicLong exchanges = new AtomicLong();

    @Override
    public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
      exchanges.incrementAndGet();
      return inner.exchange(tenantId, policy, credit, wanted);
    }

    @Override
    public long balance(String tenantId, FuelPolicy policy) {
      return inner.balance(tenantId, policy);
    }
  }

  @Test
  void defaultsAreOverridden_configLedgerLimitsAndMeterRegistry() {
    CountingLedger ledger = new CountingLedger();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Injector injector =
        Guice.createInjector(
            new TerrariumModule(),
            new GreeterModule(),
            new AbstractModule() {
              @Override
              protected void configure() {
                OptionalBinder.newOptionalBinder(binder(), TerrariumConfig.class)
                    .setBinding()
                    .toInstance(TerrariumConfig.from(Map.of("terrarium.meter-fuel", "true",
                        "terrarium.execution-mode", "interpreter")));
                OptionalBinder.newOptionalBinder(binder(), FuelLedger.class).setBinding().toInstance(ledger);
                OptionalBinder.newOptionalBinder(binder(), PluginLimits.class)
                    .setBinding()
                    .toInstance(PluginLimits.builder().maxMemoryPages(64).callTimeout(Duration.ofSeconds(5)).build());
                OptionalBinder.newOptionalBinder(binder(), io.micrometer.core.instrument.MeterRegistry.class)
                    .setBinding()
                    .toInstance(registry);
              }
            });
    try (PluginHost host = injector.getInstance(PluginHost.class)) {
      assertThat(host.metersFuel()).isTrue();
      assertThat(host.executionMode()).isEqualTo(ExecutionMode.INTERPRETER);
      assertThat(host.limits().maxMemoryPages()).isEqualTo(64);
      Tenant t = host.tenant("acme", FuelPolicy.builder().capacity(100_000_000).refill(1, Duration.ofDays(1)).build());
      Plugin greeter = injector.getInstance(Key.get(Plugin.class, PluginIds.of("greeter-c")));
      try (PluginInstance i = greeter.instantiate(t, InstanceOptions.defaults())) {
        assertThat(i.exports(Greeter.class).greet("Bo")).isEqualTo("Hello, Bo!");
      }
      assertThat(t.used()).isPositive();
      assertThat(ledger.exchanges.get()).isPositive();
      assertThat(registry.get("terrarium.calls").tags("plugin", "greeter-c", "function", "greet").functionTimer().count())
          .isEqualTo(1);
    }
  }

  @Test
  void aMissingImplementation_failsTheInjectorSayingWhatToBind() {
    assertThatThrownBy(
            () ->
                Guice.createInjector(
                    new TerrariumModule(),
                    new AbstractModule() {
                      @Override
                      protected void configure() {
                        TerrariumBinder.of(binder()).hostImports(KeyValueStore.class);
                      }
                    }))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("No implementation for KeyValueStore was bound");
  }

  static final class WantsUndeclared {
    @Inject
    WantsUndeclared(@PluginId("nope") Plugin plugin) {}
  }

  @Test
  void anUndeclaredPlugin_failsSayingWhichBindingIsMissing() {
    Injector injector = Guice.createInjector(new TerrariumModule(), new GreeterModule());
    assertThatThrownBy(() -> injector.getInstance(WantsUndeclared.class))
        .hasMessageContaining("No implementation for Plugin annotated with @PluginId(\"nope\") was bound.")
        .hasMessageContaining("Did you mean?")
        .hasMessageContaining("Plugin annotated with @PluginId(\"greeter-c\") bound at");
    assertThatThrownBy(() -> injector.getInstance(Plugins.class).get("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no plugin 'nope' was declared; declared: [greeter-c]. Declare it with"
            + " TerrariumBinder.of(binder()).plugin(\"nope\", path)");
    injector.getInstance(PluginHost.class).close();
  }

  @Test
  void aPluginWhoseManifestGivesAnotherId_failsTheInjectorWithTheLoadError() {
    assertThatThrownBy(
            () ->
                Guice.createInjector(
                    new TerrariumModule(),
                    new AbstractModule() {
                      @Override
                      protected void configure() {
                        TerrariumBinder.of(binder())
                            .hostFunction(
                                new HostFunctionDefinition(
                                    "host", "hello", List.of(WasmType.I32), List.of(), (ctx, args) -> null))
                            .plugin("hello-world", SamplePlugins.bytes("hello.wasm"));
                      }
                    }))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("[Terrarium/LOAD_MANIFEST] plugin 'hello-world': it was declared as 'hello-world' but"
            + " its manifest names it 'hello'");
  }

  @Test
  void grantsAndHostFunctionsFromSeveralModules_areJoined(@TempDir Path dir) throws Exception {
    Path module = dir.resolve("hello.wasm");
    Files.write(module, SamplePlugins.bytes("hello.wasm"));
    AtomicInteger hellos = new AtomicInteger();
    Injector injector =
        Guice.createInjector(
            new TerrariumModule(),
            new AbstractModule() {
              @Override
              protected void configure() {
                TerrariumBinder.of(binder())
                    .grants(Grants.builder().wasi(WasiCapability.STDIO).build())
                    .plugin("hello", module);
              }
            },
            new AbstractModule() {
              @Override
              protected void configure() {
                TerrariumBinder.of(binder())
                    .grants(Grants.builder().wasi(WasiCapability.EXIT).build())
                    .hostFunction(
                        new HostFunctionDefinition(
                            "host", "hello", List.of(WasmType.I32), List.of(), (ctx, args) -> {
                              hellos.incrementAndGet();
                              return null;
                            }))
                    .cacheDirectory(dir.resolve("cache"));
              }
            });
    try (PluginHost host = injector.getInstance(PluginHost.class)) {
      assertThat(host.grants().wasi()).contains(WasiCapability.STDIO, WasiCapability.EXIT);
      assertThat(host.grants().hostModules()).contains("host");
      try (PluginInstance i = injector.getInstance(Plugins.class).get("hello").instantiate()) {
        i.call("hello");
      }
      assertThat(hellos.get()).isEqualTo(1);
      assertThat(injector.getInstance(Plugins.class).get("hello").id()).isEqualTo("hello");
      try (Stream<Path> stored = Files.list(dir.resolve("cache"))) {
        assertThat(stored).as("the compiled module went to the cache directory").isNotEmpty();
      }
    }
  }

  @Test
  void aPluginDeclaredTwice_orWithABlankId_failsWithAClearError_andAGoodInjectorStillServes() {
    assertThatThrownBy(
            () ->
                Guice.createInjector(
                    new TerrariumModule(),
                    new GreeterModule(),
                    new AbstractModule() {
                      @Override
                      protected void configure() {
                        TerrariumBinder.of(binder()).plugin("greeter-c", SamplePlugins.bytes("greeter-rust.wasm"));
                      }
                    }))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("Plugin annotated with @PluginId(\"greeter-c\") was bound multiple times")
        .hasMessageContaining("TerrariumModuleTest$GreeterModule.configure");
    assertThatThrownBy(
            () ->
                Guice.createInjector(
                    new TerrariumModule(),
                    new AbstractModule() {
                      @Override
                      protected void configure() {
                        TerrariumBinder.of(binder()).plugin(" ", SamplePlugins.bytes("hello.wasm"));
                      }
                    }))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("plugin id must not be blank");
    Injector good = Guice.createInjector(new TerrariumModule(), new GreeterModule());
    try (PluginHost host = good.getInstance(PluginHost.class);
        PluginInstance i = good.getInstance(Plugins.class).get("greeter-c").instantiate()) {
      assertThat(i.exports(Greeter.class).greet("Cy")).isEqualTo("Hello, Cy!");
    }
  }

  @Test
  void configFromProperties_badValuesAndUnknownKeysAreNamed() {
    assertThat(TerrariumConfig.from(Map.of()).equals(TerrariumConfig.defaults())).isTrue();
    assertThat(TerrariumConfig.from(Map.of("terrarium.fuel-slice", "5_000", "other.key", "x")).fuelSlice())
        .isEqualTo(5000);
    assertThatThrownBy(() -> TerrariumConfig.from(Map.of("terrarium.meter-fuel", "yes")))
        .hasMessage("terrarium.meter-fuel must be true or false, was 'yes'");
    assertThatThrownBy(() -> TerrariumConfig.from(Map.of("terrarium.execution-mode", "jit")))
        .hasMessage("terrarium.execution-mode must be compiler or interpreter, was 'jit'");
    assertThatThrownBy(() -> TerrariumConfig.from(Map.of("terrarium.fuel-slice", "0")))
        .hasMessage("terrarium.fuel-slice must be a whole number of at least 1, was '0'");
    assertThatThrownBy(() -> TerrariumConfig.from(Map.of("terrarium.meterfuel", "true")))
        .hasMessageStartingWith("unknown configuration key 'terrarium.meterfuel'; Terrarium reads [");
  }
}
