package dev.terrarium.cli;

import dev.terrarium.api.PluginManifest;
import dev.terrarium.host.Manifests;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the manifest reader ready on the second core while the CLI builds its host and loads the module.
 *
 * <p>Reading the first manifest in a fresh JVM costs about 80 ms, nearly all of it setting up the JSON mapper and
 * its view of the manifest classes, which the class-data-sharing archive cannot save. A run that will read a
 * manifest (a file, or one embedded in the module) starts that set-up on a daemon thread before it builds the host,
 * so the load finds the mapper ready: sizer's load from the disk cache took 120–155 ms instead of 200–230 ms
 * (docs/performance.md). A run that reads no manifest does not start it: there is nothing to overlap, and on two
 * cores the extra thread slowed the trivial run by about 50 ms. Warming up Endive's parser and the SHA-256 and HMAC
 * providers the same way was measured too and gained nothing.
 *
 * <p>The warm-up parses a fixed manifest and discards it; it touches nothing a plugin can see, and a failure is
 * ignored (the real load reports its own).
 */
final class ManifestWarmup {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  /** The name of the embedded manifest's custom section, as it appears in a module's bytes (after its length). */
  private static final byte[] SECTION_NAME = PluginManifest.CUSTOM_SECTION.getBytes(StandardCharsets.UTF_8);

  /** Uses every field type a manifest has, so that the mapper prepares them all. */
  private static final String MANIFEST =
      "{\"id\":\"warm-up\",\"version\":\"0.0.0\",\"capabilities\":{\"hostModules\":[],\"wasi\":[\"stdio\"],"
          + "\"mounts\":[{\"guestPath\":\"/w\",\"mode\":\"ro\"}]},"
          + "\"limits\":{\"maxMemoryPages\":1,\"callTimeout\":\"PT1S\",\"maxFuelPerCall\":1}}";

  private ManifestWarmup() {}

  /**
   * Starts the warm-up when {@code manifestExpected}, at most once per JVM; the CLI's tests run many commands in
   * one JVM, which then warm up once.
   */
  static void startIf(boolean manifestExpected) {
    if (!manifestExpected || !STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(ManifestWarmup::run, "terrarium-manifest-warm-up");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Returns whether {@code file} (a module, or a precompiled plugin, which holds its module's bytes as they are)
   * contains the embedded manifest's section name. Only a hint for the warm-up: a module that merely mentions the
   * name elsewhere costs a warm-up that was not needed, nothing more.
   */
  static boolean mayEmbedManifest(byte[] file) {
    byte[] name = SECTION_NAME;
    // The name's length, one byte, comes right before it in a custom section.
    for (int i = 1; i + name.length <= file.length; i++) {
      if (file[i - 1] == name.length
          && file[i] == name[0]
          && java.util.Arrays.equals(file, i, i + name.length, name, 0, name.length)) {
        return true;
      }
    }
    return false;
  }

  private static void run() {
    try {
      warmUp();
    } catch (RuntimeException e) {
      // Only a warm-up: the real load reads its manifest and reports what is wrong with it.
    }
  }

  /** Parses the warm-up's manifest (on the calling thread). */
  static PluginManifest warmUp() {
    return Manifests.parse(MANIFEST, "the CLI's warm-up");
  }
}
