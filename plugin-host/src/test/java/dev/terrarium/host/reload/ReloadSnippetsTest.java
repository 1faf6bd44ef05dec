package dev.terrarium.host.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.PluginUnavailableException;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.Wat;
import dev.terrarium.samples.SamplePlugins;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/hot-reload.md, compiled and run; examples' {@code DocSnippetsTest} checks that the page shows
 * regions {@code watched-directory} and {@code deploy} exactly. The snippet prints its statuses and, from its
 * listener, any failure: the test reads both, then checks the swap it claims on the deployed file.
 */
class ReloadSnippetsTest {
  @TempDir Path pluginDir;

  @Test
  void snippet_watchedDirectory() throws Exception {
    Files.write(pluginDir.resolve("add.wasm"), SamplePlugins.bytes("fixtures/add.wasm"));
    byte[] newAddWasm = Wat.compile(
        "(module (func (export \"add\") (param i32 i32) (result i32)"
            + " (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 1000))))");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream systemOut = System.out;
    PrintStream systemErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      watchedDirectory(newAddWasm);
    } finally {
      System.setOut(systemOut);
      System.setErr(systemErr);
    }

    assertThat(out.toString(StandardCharsets.UTF_8).strip())
        .matches("\\[PluginStatus\\[id=add, state=STARTED, version=[0-9a-f]{64}, lastFailure=null]]");
    assertThat(err.toString(StandardCharsets.UTF_8)).as("failures the listener printed").isEmpty();
    assertThat(Files.readAllBytes(pluginDir.resolve("add.wasm"))).isEqualTo(newAddWasm);
    // The new version serves once the directory has seen it (the quiet period, then a load).
    try (PluginHost host = PluginHost.builder().build();
        PluginDirectory plugins = PluginDirectory.builder(host, pluginDir).build()) {
      assertThat(plugins.plugin("add").call("add", 40, 2)).containsExactly(1042);
    }
  }

  private void watchedDirectory(byte[] newAddWasm) throws IOException {
    // snippet: watched-directory
    try (PluginHost host = PluginHost.builder().build();
        PluginDirectory plugins =
            PluginDirectory.builder(host, pluginDir)
                .pollInterval(Duration.ofSeconds(2)) // rescans, besides the file system's change notices
                .quietPeriod(Duration.ofMillis(500)) // files must stay unchanged this long before they are read
                .pool(pool -> pool.maxSize(16).borrowTimeout(Duration.ofMillis(200)))
                .listener(event -> {
                  if (event.failed()) {
                    System.err.println("plugin " + event.id() + ": " + event.failure().getMessage());
                  }
                })
                .build()) { // loads and starts what the directory holds

      PluginRef add = plugins.plugin("add"); // the version serving now, at every call
      long[] sum = add.call("add", 40, 2);

      deploy(pluginDir, "add", newAddWasm); // the safe way: write aside, rename into place
      // ... a moment later the new version serves new calls; calls under way finish on the old one.

      System.out.println(plugins.statuses()); // [PluginStatus[id=add, state=STARTED, version=..., lastFailure=null]]
      try {
        add.call("add", 1, 2);
      } catch (PluginUnavailableException notServing) {
        // stopped, disabled, failed with nothing to fall back on, or its file is gone
      }
    }
    // end snippet: watched-directory
  }

  /** Writes {@code ID.wasm} under a hidden name, then renames it into place in one atomic move. */
  // snippet: deploy
  static void deploy(Path pluginDir, String id, byte[] module) throws IOException {
    Path tmp = pluginDir.resolve("." + id + ".wasm.tmp"); // hidden: the directory ignores it
    Files.write(tmp, module);
    Files.move(tmp, pluginDir.resolve(id + ".wasm"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
  // end snippet: deploy
}
