package dev.terrarium.cli;

import dev.terrarium.api.PluginManifest;
import dev.terrarium.host.Manifests;
import dev.terrarium.host.PluginHost;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the first steps of a load ready on the second core while the CLI builds its host.
 *
 * <p>A load from the disk cache first hashes the module (SHA-256), then parses it, reads its manifest, and reads
 * and authenticates the stored classes. In a fresh JVM the first {@code MessageDigest.getInstance} sets up the
 * JDK's security providers, about 5 ms, and the first manifest read sets up the JSON parser. The CLI starts both on
 * a daemon thread before it builds the host, so that the load finds them ready: sizer's load from the disk cache
 * took a median 41 ms instead of 53 ms with only the manifest warmed (docs/performance.md, "Compile once, ever").
 * The manifest reader is warmed only when a manifest will be read (a file, or one embedded in the module).
 *
 * <p>Until 2026-12-05 manifests were read with Jackson's object mapper, whose set-up (about 80 ms of CPU) was the
 * warm-up's main work; warming the digest as well then gained nothing, as both competed for the second core with
 * the JIT compilers. Warming Endive's parser was measured again then and still gains nothing.
 *
 * <p>The warm-up hashes an empty array and parses a fixed manifest, and discards both; it touches nothing a plugin
 * can see, and a failure is ignored (the real load reports its own).
 */
final class LoadWarmup {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  /** The name of the embedded manifest's custom section, as it appears in a module's bytes (after its length). */
  private static final byte[] SECTION_NAME = PluginManifest.CUSTOM_SECTION.getBytes(StandardCharsets.UTF_8);

  /** Uses every field type a manifest has, so that the reader prepares them all. */
  private static final String MANIFEST =
      "{\"id\":\"warm-up\",\"version\":\"0.0.0\",\"capabilities\":{\"hostModules\":[],\"wasi\":[\"stdio\"],"
          + "\"mounts\":[{\"guestPath\":\"/w\",\"mode\":\"ro\"}]},"
          + "\"limits\":{\"maxMemoryPages\":1,\"callTimeout\":\"PT1S\",\"maxFuelPerCall\":1}}";

  private LoadWarmup() {}

  /**
   * Starts the warm-up, at most once per JVM (the CLI's tests run many commands in one JVM, which then warm up
   * once); with {@code manifestExpected}, it also reads a manifest.
   */
  static void start(boolean manifestExpected) {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> run(manifestExpected), "terrarium-load-warm-up");
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

  private static void run(boolean manifestExpected) {
    try {
      PluginHost.sha256(new byte[0]);
      if (manifestExpected) {
        warmUp();
      }
    } catch (RuntimeException e) {
      // Only a warm-up: the real load reports what is wrong.
    }
  }

  /** Parses the warm-up's manifest (on the calling thread). */
  static PluginManifest warmUp() {
    return Manifests.parse(MANIFEST, "the CLI's warm-up");
  }
}
