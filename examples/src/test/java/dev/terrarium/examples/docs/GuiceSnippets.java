package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.Grants;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.guice.PluginId;
import dev.terrarium.host.guice.TerrariumBinder;
import dev.terrarium.host.guice.TerrariumConfig;
import dev.terrarium.host.guice.TerrariumModule;
import dev.terrarium.host.quota.FuelLedger;
import dev.terrarium.host.quota.InMemoryFuelLedger;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of docs/guice.md, compiled and run. */
class GuiceSnippets {
  /** The application's store. */
  static final class RedisStore implements KeyValueStore {
    @Override
    public Optional<String> get(String key) {
      return Optional.empty();
    }

    @Override
    public void put(String key, String value) {}

    @Override
    public List<Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return delta;
    }
  }

  // snippet: module
  static final class PluginsModule extends AbstractModule {
    @Override
    protected void configure() {
      bind(KeyValueStore.class).to(RedisStore.class);
      TerrariumBinder.of(binder())
          .hostImports(KeyValueStore.class)   // implemented by the KeyValueStore binding
          .grants(Grants.builder().wasi(WasiCapability.STDIO).build())
          .plugin("greeter-c", Path.of("plugins/greeter-c.wasm"));
    }
  }

  static final class Greetings {
    private final Plugin greeter;

    @Inject
    Greetings(@PluginId("greeter-c") Plugin greeter) {
      this.greeter = greeter;
    }

    String hello(String name) {
      try (PluginInstance instance = greeter.instantiate()) {
        return instance.exports(Greeter.class).greet(name);
      }
    }
  }
  // end snippet: module

  /** Overrides two defaults, as docs/guice.md shows. */
  static final class Overrides extends AbstractModule {
    private final Properties properties;

    Overrides(Properties properties) {
      this.properties = properties;
    }

    @Override
    protected void configure() {
      // snippet: overrides
      OptionalBinder.newOptionalBinder(binder(), TerrariumConfig.class)
          .setBinding()
          .toInstance(TerrariumConfig.from(properties)); // terrarium.meter-fuel=true, ...
      OptionalBinder.newOptionalBinder(binder(), FuelLedger.class)
          .setBinding()
          .to(InMemoryFuelLedger.class);                 // or your ledger: a shared one, say
      // end snippet: overrides
    }
  }

  @Test
  void theDocsApplication_runs(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("plugins"));
    Files.write(dir.resolve("plugins/greeter-c.wasm"), SamplePlugins.bytes("greeter-c.wasm"));
    InDirectory.Outcome outcome = InDirectory.run(dir, Main.class);
    assertThat(outcome.exitCode()).as(outcome.output()).isZero();
  }

  /** Runs the page's application in the working directory that holds plugins/greeter-c.wasm. */
  public static final class Main {
    public static void main(String[] args) {
      Properties properties = new Properties();
      properties.putAll(Map.of("terrarium.execution-mode", "interpreter"));
      // snippet: injector
      Injector injector = Guice.createInjector(new TerrariumModule(), new PluginsModule());
      String hello = injector.getInstance(Greetings.class).hello("Ana"); // "Hello, Ana!"
      injector.getInstance(PluginHost.class).close();                    // when the application stops
      // end snippet: injector
      if (!hello.equals("Hello, Ana!")) {
        throw new AssertionError(hello);
      }
      Injector overridden = Guice.createInjector(new TerrariumModule(), new PluginsModule(), new Overrides(properties));
      try (PluginHost host = overridden.getInstance(PluginHost.class)) {
        assertThat(host.executionMode().name()).isEqualTo("INTERPRETER");
      }
    }
  }
}
