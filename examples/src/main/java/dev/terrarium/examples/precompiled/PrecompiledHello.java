package dev.terrarium.examples.precompiled;

import dev.terrarium.api.WasmType;
import dev.terrarium.host.CacheStats;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;

/**
 * The {@code hello} sample plugin, precompiled at build time ({@link PrecompilePlugins}) and loaded from the class
 * path without compiling: the host trusts the build's public key, shipped beside the plugin.
 *
 * <p>Run it with {@code mvn -q -pl examples exec:java -Dexec.mainClass=dev.terrarium.examples.precompiled.PrecompiledHello}
 * after {@code mvn -q install -DskipTests}.
 */
public final class PrecompiledHello {
  private final PrintStream out;

  public PrecompiledHello(PrintStream out) {
    this.out = out;
  }

  /** Loads {@code /plugins/hello.twasm}, calls its {@code hello} export, and returns the cache's counts. */
  public CacheStats run() {
    PublicKey buildKey = publicKey(resource("/plugins/precompile.pub"));
    try (PluginHost host =
        PluginHost.builder()
            .moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT))
            .trustPrecompiled(buildKey)
            .hostFunction(
                "host", "hello", List.of(WasmType.I32), List.of(),
                (ctx, args) -> {
                  out.printf("host.hello received %d from plugin '%s'%n", (int) args[0], ctx.pluginId());
                  return null;
                })
            .build()) {
      Plugin plugin;
      try (InputStream in = PrecompiledHello.class.getResourceAsStream("/plugins/hello.twasm")) {
        if (in == null) {
          throw new IllegalStateException("/plugins/hello.twasm is not on the class path: build the examples first");
        }
        plugin = host.load(in, null);
      }
      try (PluginInstance instance = plugin.instantiate()) {
        instance.call("hello");
      }
      CacheStats stats = host.cacheStats();
      out.printf("loaded %s precompiled; compilations: %d%n", plugin, stats.compilations());
      return stats;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = PrecompiledHello.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the class path: build the examples first");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static PublicKey publicKey(byte[] x509) {
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the build's public key cannot be read", e);
    }
  }

  public static void main(String[] args) {
    new PrecompiledHello(System.out).run();
  }
}
