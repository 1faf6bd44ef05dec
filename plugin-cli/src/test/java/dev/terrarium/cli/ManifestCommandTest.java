package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium manifest embed|show|strip}. */
class ManifestCommandTest {
  @TempDir Path dir;

  private Path manifest(String json) throws IOException {
    return Files.writeString(dir.resolve("m.json"), json);
  }

  @Test
  void embed_thenShow_thenRun_usesTheEmbeddedManifest() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    Path json = manifest("{\"id\":\"adder\",\"version\":\"2.1.0\"}\n");

    CliResult embed = terrarium("manifest", "embed", module.toString(), json.toString());
    CliResult show = terrarium("manifest", "show", module.toString());
    CliResult run = terrarium("run", "-v", "--invoke", "add", module.toString(), "2", "3");

    assertThat(embed.status()).isZero();
    assertThat(embed.out()).startsWith("embedded the manifest of adder@2.1.0 in " + module);
    assertThat(show.status()).isZero();
    assertThat(show.out()).isEqualTo("{\"id\":\"adder\",\"version\":\"2.1.0\"}\n");
    assertThat(show.err()).isEmpty();
    assertThat(run.status()).isZero();
    assertThat(run.out()).isEqualTo("5\n");
    assertThat(run.err()).contains("manifest: embedded in add.wasm").contains("plugin adder@2.1.0");
  }

  @Test
  void embed_replacesTheManifestAModuleHad_leavingOne() throws IOException {
    Path module = SamplePlugins.copyTo("greeter-c.wasm", dir);
    Path json = manifest("{\"id\":\"greeter-x\",\"version\":\"9.0.0\",\"capabilities\":{\"hostModules\":[\"kv\"]}}");

    CliResult embed = terrarium("manifest", "embed", module.toString(), json.toString());

    assertThat(embed.status()).isZero();
    assertThat(embed.out()).startsWith("replaced the embedded manifest of greeter-x@9.0.0");
    byte[] bytes = Files.readAllBytes(module);
    assertThat(CustomSections.findAll(bytes, "terrarium.manifest")).hasSize(1);
    assertThat(PluginHost.inspect(bytes).embeddedManifest()).hasValueSatisfying(m -> assertThat(m).contains("greeter-x"));
  }

  @Test
  void embed_withOutput_leavesTheModuleAsItWas() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    byte[] before = Files.readAllBytes(module);
    Path out = dir.resolve("out.wasm");

    CliResult r =
        terrarium("manifest", "embed", "-o", out.toString(), module.toString(),
            manifest("{\"id\":\"a\",\"version\":\"1\"}").toString());

    assertThat(r.status()).isZero();
    assertThat(Files.readAllBytes(module)).isEqualTo(before);
    assertThat(PluginHost.inspect(Files.readAllBytes(out)).embeddedManifest()).contains("{\"id\":\"a\",\"version\":\"1\"}");
  }

  @Test
  void embed_refusesAnInvalidManifest_andLeavesTheModuleAlone() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    byte[] before = Files.readAllBytes(module);

    CliResult r =
        terrarium("manifest", "embed", module.toString(),
            manifest("{\"id\":\"a\",\"version\":\"1\",\"capabilities\":{\"wasi\":[\"telepathy\"]}}").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/").contains("telepathy").contains("m.json");
    assertThat(Files.readAllBytes(module)).isEqualTo(before);
    // the module still works, with a good manifest
    assertThat(terrarium("manifest", "embed", module.toString(), manifest("{\"id\":\"a\",\"version\":\"1\"}").toString())
        .status()).isZero();
  }

  @Test
  void embed_refusesTextThatIsNotJson() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);

    CliResult r = terrarium("manifest", "embed", module.toString(), manifest("id = a").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).contains("is not JSON");
  }

  @Test
  void embed_refusesAManifestPinningTheHash() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    String sha = "0".repeat(64);

    CliResult r =
        terrarium("manifest", "embed", module.toString(),
            manifest("{\"id\":\"a\",\"version\":\"1\",\"sha256\":\"" + sha + "\"}").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).contains("cannot contain its own hash");
  }

  @Test
  void embed_refusesAMissingManifestFile() {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);

    CliResult r = terrarium("manifest", "embed", module.toString(), dir.resolve("nope.json").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("nope.json does not exist");
  }

  @Test
  void embed_refusesATruncatedModule_withoutWritingIt() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/truncated.wasm", dir);
    byte[] before = Files.readAllBytes(module);

    CliResult r =
        terrarium("manifest", "embed", module.toString(), manifest("{\"id\":\"a\",\"version\":\"1\"}").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_MALFORMED]").contains("truncated");
    assertThat(Files.readAllBytes(module)).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("truncated.wasm", "m.json");
    }
  }

  @Test
  void show_saysNoneForAModuleWithoutManifest() {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);

    CliResult r = terrarium("manifest", "show", module.toString());

    assertThat(r.status()).isEqualTo(ExitCodes.ABSENT);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("has no embedded manifest");
  }

  @Test
  void show_printsTheManifestOfASamplePlugin() {
    CliResult r = terrarium("manifest", "show", SamplePlugins.copyTo("hello.wasm", dir).toString());

    assertThat(r.status()).isZero();
    assertThat(r.out())
        .isEqualTo("{\"id\":\"hello\",\"version\":\"1.0.0\",\"capabilities\":{\"hostModules\":[\"host\"]}}\n");
  }

  @Test
  void show_refusesGarbage() {
    CliResult r = terrarium("manifest", "show", SamplePlugins.copyTo("fixtures/garbage.wasm", dir).toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_MALFORMED]");
  }

  @Test
  void strip_removesTheManifest_andTheModuleStillRuns() throws IOException {
    Path module = SamplePlugins.copyTo("hello.wasm", dir);

    CliResult strip = terrarium("manifest", "strip", module.toString());
    CliResult show = terrarium("manifest", "show", module.toString());

    assertThat(strip.status()).isZero();
    assertThat(strip.out()).startsWith("removed the embedded manifest");
    assertThat(show.status()).isEqualTo(ExitCodes.ABSENT);
    assertThat(PluginHost.inspect(Files.readAllBytes(module)).exports()).extracting(e -> e.name()).contains("hello");
  }

  @Test
  void strip_leavesAModuleWithoutManifestUntouched() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    byte[] before = Files.readAllBytes(module);

    CliResult r = terrarium("manifest", "strip", module.toString());

    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("has no embedded manifest; left it as it was");
    assertThat(Files.readAllBytes(module)).isEqualTo(before);
  }

  @Test
  void manifest_withoutSubcommand_isAUsageError() {
    CliResult r = terrarium("manifest");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("manifest embed");
  }

  @Test
  void embed_refusesAPrecompiledPlugin() throws IOException {
    Path module = SamplePlugins.copyTo("fixtures/add.wasm", dir);
    assertThat(terrarium("compile", module.toString()).status()).isZero();

    CliResult r =
        terrarium("manifest", "embed", dir.resolve("add.twasm").toString(),
            manifest("{\"id\":\"a\",\"version\":\"1\"}").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("is a precompiled plugin");
  }
}
