package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.Grants;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.samples.SamplePlugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of README.md, compiled and run. */
class ReadmeSnippets {
  @Test
  void quickStart_loadsAndCallsHelloFromPluginsDirectory(@TempDir Path dir) throws Exception {
    SamplePlugins.copyTo("hello.wasm", Files.createDirectories(dir.resolve("plugins")));

    // The snippet loads a relative path: run it in a JVM whose working directory holds plugins/hello.wasm.
    InDirectory.Outcome outcome = InDirectory.run(dir, ReadmeSnippets.class);

    assertThat(outcome.output()).isEqualTo("called hello" + System.lineSeparator());
    assertThat(outcome.exitCode()).isZero();
  }

  public static void main(String[] args) {
    quickStart();
    System.out.println("called hello");
  }

  static void quickStart() {
    // snippet: quick-start
    try (PluginHost host = PluginHost.builder()
            .grants(Grants.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT).build())
            .limits(PluginLimits.builder().maxMemoryPages(256).callTimeout(Duration.ofSeconds(2)).build())
            .hostFunction("host", "hello", List.of(WasmType.I32), List.of(), (ctx, args) -> null)
            .build()) {
        Plugin plugin = host.load(Path.of("plugins/hello.wasm"));   // manifest beside it or embedded
        try (PluginInstance instance = plugin.instantiate()) {
            instance.call("hello");
        }
    }
    // end snippet: quick-start
  }
}
