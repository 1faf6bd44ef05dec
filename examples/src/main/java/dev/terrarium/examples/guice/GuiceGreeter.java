package dev.terrarium.examples.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.OptionalBinder;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.guice.PluginId;
import dev.terrarium.host.guice.TerrariumBinder;
import dev.terrarium.host.guice.TerrariumModule;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Guice application that hosts a plugin: {@link TerrariumModule} builds the host, the application's module
 * contributes the plugin's host imports (the {@code KeyValueStore} it binds) and the plugin itself, and a service
 * gets the plugin injected by id. Metrics go to the registry the application binds.
 *
 * <p>Run it after a build: {@code mvn -q -pl examples exec:java -Dexec.mainClass=dev.terrarium.examples.guice.GuiceGreeter}.
 */
public final class GuiceGreeter {
  /** The application's store, which plugins reach through their {@code kv} host imports. */
  @Singleton
  static final class MemoryStore implements KeyValueStore {
    private final Map<String, String> values = new ConcurrentSkipListMap<>();
    private final AtomicLong counter = new AtomicLong();

    @Override
    public Optional<String> get(String key) {
      return Optional.ofNullable(values.get(key));
    }

    @Override
    public void put(String key, String value) {
      values.put(key, value);
    }

    @Override
    public List<Entry> scan(String prefix) {
      List<Entry> found = new ArrayList<>();
      values.forEach((k, v) -> {
        if (k.startsWith(prefix)) {
          found.add(new Entry(k, v, 1));
        }
      });
      return found;
    }

    @Override
    public long add(int delta) {
      return counter.addAndGet(delta);
    }
  }

  /** The application's bindings: its store, the plugin's imports and the plugin, and a meter registry. */
  static final class ApplicationModule extends AbstractModule {
    @Override
    protected void configure() {
      bind(KeyValueStore.class).to(MemoryStore.class);
      TerrariumBinder.of(binder())
          .hostImports(KeyValueStore.class)
          .plugin("greeter-c", SamplePlugins.bytes("greeter-c.wasm"));
      OptionalBinder.newOptionalBinder(binder(), MeterRegistry.class).setBinding().to(SimpleMeterRegistry.class);
      bind(SimpleMeterRegistry.class).in(Singleton.class);
    }
  }

  /** A service of the application's, which greets through the plugin. */
  static final class GreetingService {
    private final Plugin greeter;

    @Inject
    GreetingService(@PluginId("greeter-c") Plugin greeter) {
      this.greeter = greeter;
    }

    String greet(String name) {
      try (PluginInstance instance = greeter.instantiate()) {
        return instance.exports(Greeter.class).greet(name);
      }
    }
  }

  private GuiceGreeter() {}

  /** Greets each name through the plugin, prints the greetings and the calls the metrics counted. */
  static Injector run(List<String> names, PrintStream out) {
    Injector injector = Guice.createInjector(new TerrariumModule(), new ApplicationModule());
    GreetingService service = injector.getInstance(GreetingService.class);
    try (PluginHost host = injector.getInstance(PluginHost.class)) {
      for (String name : names) {
        out.println(service.greet(name));
      }
      SimpleMeterRegistry registry = injector.getInstance(SimpleMeterRegistry.class);
      double calls =
          registry.get("terrarium.calls").tags("plugin", "greeter-c", "function", "greet").functionTimer().count();
      out.printf("terrarium.calls{plugin=greeter-c,function=greet,outcome=success} = %.0f%n", calls);
    }
    return injector;
  }

  public static void main(String[] args) {
    run(args.length == 0 ? List.of("Ana", "Bo") : List.of(args), System.out);
  }
}
