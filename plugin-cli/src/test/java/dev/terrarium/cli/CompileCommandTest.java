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

/**
 * {@code terrarium compile}: precompiled plugins that {@code run} loads without compiling, signed with the user's
 * key (which the build keeps under target/test-home).
 */
class CompileCommandTest {
  @TempDir Path dir;

  private String copy(String sample) {
    return SamplePlugins.copyTo(sample, dir).toString();
  }

  @Test
  void compile_thenRun_printsTheSame_withoutCompiling() throws IOException {
    String hello = copy("fixtures/wasi-hello.wasm");
    CliResult compiled = terrarium("compile", hello);
    Path out = dir.resolve("wasi-hello.twasm");
    assertThat(compiled.status()).as(compiled.err()).isZero();
    assertThat(compiled.out()).startsWith("wrote " + out);
    assertThat(PluginHost.isPrecompiled(Files.readAllBytes(out))).isTrue();

    CliResult run = terrarium("run", "-v", "--no-cache", out.toString());
    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("hello from wasi\n");
    assertThat(run.err()).contains("module: loaded precompiled, nothing compiled");
  }

  @Test
  void aMeteredPrecompiledPlugin_chargesWhatTheModuleCharges() {
    String add = copy("fixtures/add.wasm");
    Path out = dir.resolve("metered.twasm");
    assertThat(terrarium("compile", "--meter", "-o", out.toString(), add).status()).isZero();
    CliResult fromModule = terrarium("run", "--no-cache", "--print-fuel", "--invoke", "add", add, "1", "2");
    CliResult fromArtifact =
        terrarium("run", "--no-cache", "--print-fuel", "--invoke", "add", out.toString(), "1", "2");
    assertThat(fromArtifact.status()).as(fromArtifact.err()).isZero();
    assertThat(fromArtifact.out()).isEqualTo("3\n");
    assertThat(fromArtifact.err()).isEqualTo(fromModule.err()).startsWith("terrarium: fuel used: ");
  }

  @Test
  void runningAMeteredPluginWithoutMetering_isOneClearError() {
    String add = copy("fixtures/add.wasm");
    Path out = dir.resolve("metered.twasm");
    terrarium("compile", "--meter", "-o", out.toString(), add);
    CliResult r = terrarium("run", "--invoke", "add", out.toString(), "1", "2");
    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err())
        .startsWith("terrarium: [Terrarium/LOAD_PRECOMPILED]")
        .contains("compiled for fuel metering")
        .contains("but this host does not meter");
  }

  @Test
  void aTamperedPlugin_isRefused() throws IOException {
    String add = copy("fixtures/add.wasm");
    Path out = dir.resolve("add.twasm");
    terrarium("compile", add);
    byte[] bytes = Files.readAllBytes(out);
    bytes[bytes.length / 2] ^= 1;
    Files.write(out, bytes);
    CliResult r = terrarium("run", "--invoke", "add", out.toString(), "1", "2");
    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_PRECOMPILED]").contains("changed after it was signed");
  }

  @Test
  void compilingAPrecompiledPlugin_orOverTheModule_isAUsageError() {
    String add = copy("fixtures/add.wasm");
    terrarium("compile", add);
    CliResult again = terrarium("compile", dir.resolve("add.twasm").toString());
    assertThat(again.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(again.err()).contains("already a precompiled plugin");
    CliResult over = terrarium("compile", "-o", add, add);
    assertThat(over.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(over.err()).contains("is MODULE itself");
  }

  @Test
  void inspect_describesThePrecompiledPluginsModule() {
    String add = copy("fixtures/add.wasm");
    terrarium("compile", add);
    CliResult module = terrarium("inspect", add);
    CliResult precompiled = terrarium("inspect", dir.resolve("add.twasm").toString());
    assertThat(precompiled.status()).as(precompiled.err()).isZero();
    assertThat(precompiled.out()).contains("precompiled: yes");
    // everything but the file name and that line is the module's description
    assertThat(precompiled.out().lines().filter(l -> !l.startsWith("module:") && !l.startsWith("precompiled:")))
        .containsExactlyElementsOf(module.out().lines().filter(l -> !l.startsWith("module:")).toList());
  }

  @Test
  void compilingGarbage_failsLikeLoadingIt() {
    CliResult r = terrarium("compile", copy("fixtures/garbage.wasm"));
    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_MALFORMED]");
  }
}
