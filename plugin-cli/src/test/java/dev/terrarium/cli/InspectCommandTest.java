package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium inspect MODULE}. */
class InspectCommandTest {
  @TempDir Path dir;

  @Test
  void inspect_hello_showsImportsExportsManifestAndHash() {
    CliResult r = terrarium("inspect", SamplePlugins.copyTo("hello.wasm", dir).toString());

    assertThat(r.status()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .containsPattern("(?m)^sha256: +[0-9a-f]{64}$")
        .containsPattern("(?m)^  function host\\.hello \\(i32\\) -> \\(\\)$")
        .containsPattern("(?m)^  function hello \\(\\) -> \\(\\)$")
        .contains("{\"id\":\"hello\",\"version\":\"1.0.0\",\"capabilities\":{\"hostModules\":[\"host\"]}}");
  }

  @Test
  void inspect_printsTheHashOfTheFile() throws Exception {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    String expected =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(module)));

    CliResult r = terrarium("inspect", module.toString());

    assertThat(r.out()).contains("sha256:   " + expected + "\n").contains("embedded manifest: none\n");
  }

  @Test
  void inspect_mentionsAManifestBesideTheModule() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    Files.writeString(dir.resolve("add.manifest.json"), "{\"id\":\"add\",\"version\":\"1\"}");

    CliResult r = terrarium("inspect", module.toString());

    assertThat(r.out()).contains("manifest file: " + dir.resolve("add.manifest.json"));
  }

  @Test
  void inspect_garbage_failsWithOneLoadMalformedLine() {
    CliResult r = terrarium("inspect", SamplePlugins.copyTo("fixtures/garbage.wasm", dir).toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_MALFORMED]");
  }
}
