package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of docs/cache.md, compiled and run where it can be. */
class CacheSnippets {
  /**
   * Compiled only: the snippet names a system directory ({@code /var/cache/myapp}) that a test may not write; the
   * cache directory itself is tested in plugin-host ({@code ModuleCache} tests).
   */
  static PluginHost persistentCache() {
    // snippet: directory
    ModuleCache cache = ModuleCache.builder()
        .maximumWeight(256L << 20)                       // the bound in memory, as before
        .directory(Path.of("/var/cache/myapp/terrarium")) // compiled modules, shared across runs
        .build();
    PluginHost host = PluginHost.builder().moduleCache(cache).build();
    // end snippet: directory
    return host;
  }

  @Test
  void precompile_writesASignedPrecompiledPluginWithTheUsersKey(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("app.wasm"), SamplePlugins.bytes("fixtures/add.wasm"));

    // The snippet writes app.twasm in the working directory and makes the user's key pair: run it in a JVM whose
    // working directory and XDG_CONFIG_HOME are the test's.
    InDirectory.Outcome outcome =
        InDirectory.run(dir, Map.of("XDG_CONFIG_HOME", dir.resolve("config").toString()), CacheSnippets.class);

    assertThat(outcome.output()).isEmpty();
    assertThat(outcome.exitCode()).isZero();
    assertThat(PluginHost.isPrecompiled(Files.readAllBytes(dir.resolve("app.twasm")))).isTrue();
    assertThat(dir.resolve("config/terrarium/precompile.key")).isRegularFile();
  }

  public static void main(String[] args) throws IOException {
    Path wasm = Path.of("app.wasm");
    // snippet: precompile
    try (PluginHost compiler = PluginHost.builder().meterFuel().build()) {   // the configuration it will run under
      byte[] precompiled = compiler.precompile(Files.readAllBytes(wasm), PluginHost.userSigningKey());
      Files.write(Path.of("app.twasm"), precompiled);
    }
    // end snippet: precompile
  }

  /** The application class that ships /plugins/app.twasm. */
  static final class App {}

  /**
   * Compiled only: {@code /plugins/app.twasm} is the reader's plugin. {@code PrecompiledHelloTest} runs the same
   * steps on {@code /plugins/hello.twasm}, which this module's build precompiles.
   */
  static Plugin trustBuildKey() throws Exception {
    // snippet: trust
    PublicKey buildKey = KeyFactory.getInstance("Ed25519")
        .generatePublic(new X509EncodedKeySpec(resourceBytes("/plugins/precompile.pub")));
    PluginHost host = PluginHost.builder().meterFuel().trustPrecompiled(buildKey).build();
    Plugin app = host.load(App.class.getResourceAsStream("/plugins/app.twasm"), null);
    // end snippet: trust
    return app;
  }

  private static byte[] resourceBytes(String name) {
    try (InputStream in = CacheSnippets.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
