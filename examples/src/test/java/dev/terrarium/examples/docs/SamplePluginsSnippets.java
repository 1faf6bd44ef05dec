package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.samples.SamplePlugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of sample-plugins/README.md, compiled and run. */
class SamplePluginsSnippets {
  @Test
  void samplePlugins_readsCopiesAndListsTheModules(@TempDir Path dir) {
    // snippet: read
    byte[] hello = SamplePlugins.bytes("hello.wasm");
    byte[] spin  = SamplePlugins.bytes("fixtures/loop.wasm");
    Path file    = SamplePlugins.copyTo("sizer.wasm", dir);   // -> dir/sizer.wasm
    List<String> all = SamplePlugins.names();                 // from dev/terrarium/samples/index.txt
    // end snippet: read

    assertThat(hello).startsWith(0, 'a', 's', 'm');
    assertThat(spin).startsWith(0, 'a', 's', 'm');
    assertThat(file).isEqualTo(dir.resolve("sizer.wasm"));
    assertThat(Files.isRegularFile(file)).isTrue();
    assertThat(all).contains("hello.wasm", "fixtures/loop.wasm", "sizer.wasm", "wasi-sockets.wasm");
  }
}
