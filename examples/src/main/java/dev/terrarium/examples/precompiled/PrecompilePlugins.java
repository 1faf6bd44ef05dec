package dev.terrarium.examples.precompiled;

import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;

/**
 * Build step: precompiles sample plugins into {@code OUT/plugins/NAME.twasm}, signed with the build's key, and puts
 * that key's public half beside them ({@code OUT/plugins/precompile.pub}) for the application to trust. The examples
 * build runs it in the {@code process-classes} phase with {@code exec:exec} (see examples/pom.xml), with {@code
 * XDG_CONFIG_HOME} pointing into {@code target/}, so the key pair is the build's, not the user's; a real project
 * keeps its key pair as a CI secret (docs/cache.md, "Precompiling at build time").
 *
 * <p>Arguments: {@code OUT MODULE...}, modules named as in {@link SamplePlugins#bytes}.
 */
public final class PrecompilePlugins {
  private PrecompilePlugins() {}

  public static void main(String[] args) throws IOException {
    Path plugins = Files.createDirectories(Path.of(args[0]).resolve("plugins"));
    KeyPair key = PluginHost.userSigningKey();
    // The configuration the application's host runs plugins with: compiled, unmetered, no NaN canonicalisation.
    try (PluginHost host = PluginHost.builder().moduleCache(ModuleCache.create(0)).build()) {
      for (int i = 1; i < args.length; i++) {
        String name = args[i];
        String base = name.substring(name.lastIndexOf('/') + 1).replaceFirst("\\.wasm$", "");
        Path out = plugins.resolve(base + ".twasm");
        Files.write(out, host.precompile(SamplePlugins.bytes(name), key));
        System.out.println("precompiled " + name + " -> " + out);
      }
    }
    Files.copy(
        ModuleCache.userKeyFile().resolveSibling("precompile.pub"),
        plugins.resolve("precompile.pub"),
        StandardCopyOption.REPLACE_EXISTING);
  }
}
