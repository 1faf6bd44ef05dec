package dev.terrarium.examples.hello;

import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.samples.SamplePlugins;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest embedding: a host that defines one function, {@code host.hello(i32)}, and runs the {@code hello}
 * sample plugin, whose export {@code hello} calls it with 3. The host prints what it received and its own state.
 *
 * <p>Run it with {@code mvn -q -pl examples exec:java} after {@code mvn -q install -DskipTests}.
 */
public final class HelloHost {
  private final PrintStream out;
  private final AtomicInteger calls = new AtomicInteger();

  public HelloHost(PrintStream out) {
    this.out = out;
  }

  /** Loads the plugin, calls its {@code hello} export {@code times} times, and returns the host's call count. */
  public int run(int times) {
    try (PluginHost host =
        PluginHost.builder()
            .limits(PluginLimits.builder().maxMemoryPages(16).callTimeout(Duration.ofSeconds(1)).build())
            .hostFunction(
                "host",
                "hello",
                List.of(WasmType.I32),
                List.of(),
                (ctx, args) -> {
                  int n = calls.incrementAndGet();
                  out.printf(
                      "host.hello received %d from plugin '%s' (host state: call #%d, guest memory %d bytes)%n",
                      (int) args[0], ctx.pluginId(), n, ctx.memory().size());
                  return null;
                })
            .build()) {
      // The manifest is embedded in hello.wasm: {"id":"hello", ..., "capabilities":{"hostModules":["host"]}}
      Plugin plugin = host.load(SamplePlugins.bytes("hello.wasm"));
      out.printf("loaded %s, sha256 %s%n", plugin, plugin.sha256());
      try (PluginInstance instance = plugin.instantiate()) {
        for (int i = 0; i < times; i++) {
          instance.call("hello");
        }
      }
      out.printf("cache: %s%n", host.cacheStats());
    }
    return calls.get();
  }

  public static void main(String[] args) {
    try {
      new HelloHost(System.out).run(args.length > 0 ? Integer.parseInt(args[0]) : 2);
    } catch (PluginException e) {
      System.err.println(e.getMessage());
      System.exit(70);
    }
  }
}
