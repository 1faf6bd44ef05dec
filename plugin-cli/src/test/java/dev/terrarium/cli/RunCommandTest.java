package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static dev.terrarium.cli.CliResult.terrariumWithStdin;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium run MODULE [ARGS...]}: WASI commands with real modules. */
class RunCommandTest {
  @TempDir Path dir;

  private String copy(String sample) {
    return SamplePlugins.copyTo(sample, dir).toString();
  }

  @Test
  void run_wasiHello_printsItsLineAndExitsZero() {
    CliResult r = terrarium("run", copy("fixtures/wasi-hello.wasm"));

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("hello from wasi\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void run_exitsWithGuestExitCode() {
    CliResult r = terrarium("run", copy("fixtures/exit-code.wasm"));

    assertThat(r.status()).isEqualTo(7);
    assertThat(r.err()).isEmpty();
  }

  @Test
  void run_sizerWithDir_listsTheSizesOfTheMappedDirectorysFiles() throws IOException {
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.writeString(data.resolve("a.txt"), "hello");
    Files.writeString(data.resolve("b.bin"), "123456789");
    Files.createDirectory(data.resolve("sub"));

    CliResult r = terrarium("run", "--dir", data + "::/data", copy("sizer.wasm"), "/data");

    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("5\ta.txt\n9\tb.bin\n");
  }

  @Test
  void run_readOnlyDir_canBeReadButNotWritten() throws IOException {
    Path data = Files.createDirectory(dir.resolve("ro"));
    Files.writeString(data.resolve("hello.txt"), "hello\n");
    Path sandbox = Files.createDirectory(dir.resolve("sandbox"));

    CliResult r =
        terrarium(
            "run", "--dir", data + "::/ro:ro", "--dir", sandbox + "::/sandbox", "--env", "WASI_CHECK=1",
            copy("wasi-check-c.wasm"), "/sandbox");

    assertThat(r.out().lines().filter(l -> !l.startsWith("ok "))).as(r.err()).isEmpty();
    assertThat(r.out()).contains("ok ro.");
    assertThat(r.status()).isZero();
    assertThat(data.toFile().list()).containsExactly("hello.txt");
    assertThat(Files.readString(data.resolve("hello.txt"))).isEqualTo("hello\n");
  }

  @Test
  void run_mountMemory_givesAnEmptyWritableFileSystemThatVanishes() {
    CliResult r = terrarium("run", "--mount-memory", "/home", copy("wasi-tenant.wasm"), "/home", "me");

    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("file owner.txt\nowner me\n");
    assertThat(dir.toFile().list()).containsExactly("wasi-tenant.wasm");
  }

  @Test
  void run_mountMemory_needsANonEmptyPathMappedOnce() throws IOException {
    CliResult empty = terrarium("run", "--mount-memory", "", copy("wasi-tenant.wasm"), "/home", "me");
    assertThat(empty.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(empty.err()).contains("--mount-memory: mount guest path must not be empty");

    Path data = Files.createDirectory(dir.resolve("data"));
    CliResult twice =
        terrarium("run", "--dir", data + "::/home", "--mount-memory", "/home", copy("wasi-tenant.wasm"), "/home", "x");
    assertThat(twice.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(twice.err()).contains("--mount-memory: the guest path /home is mapped more than once");
  }

  @Test
  void run_dirMappedToDot_isTheGuestsWorkingDirectory() throws IOException {
    // Third-party runners pre-open the working directory as '.'; programs then open relative paths.
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.writeString(data.resolve("a.txt"), "abcd");
    Files.createDirectory(data.resolve("sub"));
    Files.writeString(data.resolve("sub").resolve("b.txt"), "xy");

    CliResult dot = terrarium("run", "--dir", data + "::.:ro", copy("sizer.wasm"), ".");
    assertThat(dot.err()).isEmpty();
    assertThat(dot.status()).isZero();
    assertThat(dot.out()).isEqualTo("4\ta.txt\n");

    CliResult relative = terrarium("run", "--dir", data + "::data", copy("sizer.wasm"), "data/sub");
    assertThat(relative.err()).isEmpty();
    assertThat(relative.out()).isEqualTo("2\tb.txt\n");
  }

  @Test
  void run_randomSeed_mustBeANumber() {
    CliResult r = terrarium("run", "--random-seed", "soon", copy("fixtures/wasi-hello.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--random-seed").contains("'soon'");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void run_trace_printsEveryWasiCallToStderr() {
    CliResult r = terrarium("run", "--trace", copy("fixtures/wasi-hello.wasm"));

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("hello from wasi\n");
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [wasi] fd_write(1, 0, 1, 8) -> SUCCESS [");
  }

  @Test
  void run_sizerWithoutDir_seesNoDirectoryAndExitsOne() {
    CliResult r = terrarium("run", copy("sizer.wasm"), "/data");

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("sizer: cannot open /data: ");
  }

  @Test
  void run_sizerWithoutArguments_exitsWithItsUsageStatus() {
    CliResult r = terrarium("run", copy("sizer.wasm"));

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).startsWith("usage: sizer DIR");
  }

  @Test
  void run_echoShell_echoesStdinLineByLine() {
    CliResult r = terrariumWithStdin("a\nb\n", "run", copy("echo-shell.wasm"));

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("a\nb\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void run_echoShell_stopsAtExitLine() {
    CliResult r = terrariumWithStdin("a\nexit\nb\n", "run", copy("echo-shell.wasm"));

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("a\n");
  }

  @Test
  void run_givesTheModuleItsFileNameAndEverythingAfterItUnchanged() {
    Path module = TestModules.write(TestModules.ARGV_HEX, dir, "argv.wasm");

    CliResult r = terrarium("run", module.toString(), "--help", "-v", "two words", "@file", "");

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("argv.wasm\n--help\n-v\ntwo words\n@file\n\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void run_environmentHoldsOnlyTheEnvOptions() {
    Path module = TestModules.write(TestModules.ENV_COUNT_HEX, dir, "envcount.wasm");
    assertThat(System.getenv()).as("the test JVM has an environment to leak").isNotEmpty();

    assertThat(terrarium("run", module.toString()).status()).isZero();
    assertThat(terrarium("run", "--env", "A=1", "--env", "B=", "--env", "A=2", module.toString()).status())
        .isEqualTo(2);
  }

  @Test
  void run_guestExitCodeOutside0To255_exitsOneAndSaysWhy() {
    Path module = TestModules.write(TestModules.EXIT_300_HEX, dir, "exit300.wasm");

    CliResult r = terrarium("run", module.toString());

    assertThat(r.status()).isEqualTo(ExitCodes.INTERNAL);
    assertThat(r.err())
        .isEqualTo(
            "terrarium: the module exited with code 300, which a process exit status cannot carry (0..255);"
                + " exiting with 1\n");
  }

  @Test
  void run_garbage_failsWithOneLoadMalformedLine() {
    CliResult r = terrarium("run", copy("fixtures/garbage.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_MALFORMED]");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void run_verbose_addsTheStackTraceToTheFailure() {
    CliResult quiet = terrarium("run", copy("fixtures/garbage.wasm"));
    CliResult verbose = terrarium("run", "--verbose", copy("fixtures/garbage.wasm"));

    assertThat(quiet.err()).doesNotContain("\tat ");
    assertThat(verbose.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(verbose.err())
        .contains("terrarium: [Terrarium/LOAD_MALFORMED]")
        .contains("dev.terrarium.api.MalformedModuleException")
        .contains("\tat ");
  }

  @Test
  void run_ungranted_failsWithLinkDeniedListingBothHostImports() {
    CliResult r = terrarium("run", copy("fixtures/ungranted.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    // sock_accept links with stdio, which the CLI grants: it can only ever fail, as no socket is handed over.
    assertThat(r.err())
        .startsWith("terrarium: [Terrarium/LINK_DENIED]")
        .contains("imports 2 things")
        .doesNotContain("sock_accept")
        .contains("env.secret_key")
        .contains("host.hello");
  }

  @Test
  void run_pluginAskingForAHostModule_isDeniedBecauseTheCliGrantsNone() {
    CliResult r = terrarium("run", copy("hello.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LINK_DENIED]").contains("host.hello");
  }

  @Test
  void run_manifestPinningAnotherHash_failsWithHashMismatch() throws IOException {
    String module = copy("fixtures/wasi-hello.wasm");
    Path manifest =
        Files.writeString(
            dir.resolve("pinned.json"),
            "{\"id\":\"wasi-hello\",\"version\":\"1.0.0\",\"sha256\":\"" + "0".repeat(64) + "\","
                + "\"capabilities\":{\"wasi\":[\"stdio\"]}}");

    CliResult r = terrarium("run", "--manifest", manifest.toString(), module);

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_HASH_MISMATCH]");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void run_manifestPinningTheRightHash_runs() throws IOException {
    String module = copy("fixtures/wasi-hello.wasm");
    String sha256 = terrarium("inspect", module).out().lines()
        .filter(l -> l.startsWith("sha256:")).findFirst().orElseThrow().substring(7).strip();
    Path manifest =
        Files.writeString(
            dir.resolve("pinned.json"),
            "{\"id\":\"wasi-hello\",\"version\":\"1.0.0\",\"sha256\":\"" + sha256 + "\","
                + "\"capabilities\":{\"wasi\":[\"stdio\"]}}");

    CliResult r = terrarium("run", "--manifest", manifest.toString(), module);

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("hello from wasi\n");
  }

  @Test
  void run_manifestAskingForLess_getsLess() throws IOException {
    String module = copy("fixtures/exit-code.wasm");
    Path manifest =
        Files.writeString(
            dir.resolve("stdio-only.json"),
            "{\"id\":\"exit-code\",\"version\":\"1.0.0\",\"capabilities\":{\"wasi\":[\"stdio\"]}}");

    CliResult r = terrarium("run", "--manifest", manifest.toString(), module);

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err())
        .startsWith("terrarium: [Terrarium/LINK_DENIED]")
        .contains("proc_exit")
        .contains("\"exit\"");
  }

  @Test
  void run_usesTheManifestBesideTheModule() throws IOException {
    String module = copy("fixtures/exit-code.wasm");
    Files.writeString(
        dir.resolve("exit-code.manifest.json"), "{\"id\":\"beside\",\"version\":\"1.0.0\"}");

    CliResult r = terrarium("run", module);

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LINK_DENIED] plugin 'beside':");
  }

  @Test
  void run_unreadableManifest_failsWithLoadManifest() throws IOException {
    String module = copy("fixtures/wasi-hello.wasm");
    Path manifest = Files.writeString(dir.resolve("bad.json"), "{\"id\":\"x\",\"version\":\"1\",\"colour\":1}");

    CliResult r = terrarium("run", "--manifest", manifest.toString(), module);

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_MANIFEST]").contains("colour");
  }

  @Test
  void run_missingModuleFile_failsWithLoadIo() {
    CliResult r = terrarium("run", dir.resolve("nothing.wasm").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/LOAD_IO]").contains("nothing.wasm does not exist");
  }

  @Test
  void run_moduleWithoutStart_isAUsageErrorThatSuggestsInvoke() {
    CliResult r = terrarium("run", copy("fixtures/add.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("no _start").contains("--invoke NAME: add, noop, add64, addf");
  }

  @Test
  void run_maxMemoryPages_boundsTheGuestsMemory() {
    CliResult r =
        terrarium("run", "--max-memory-pages", "2", "--invoke", "bomb", copy("fixtures/memory-bomb.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/CALL_MEMORY_LIMIT]").contains("2 pages");
  }

  @Test
  void run_maxMemoryPagesOutOfRange_isAUsageError() {
    CliResult r = terrarium("run", "--max-memory-pages", "0", copy("fixtures/wasi-hello.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("terrarium: --max-memory-pages must be between 1 and 65536 (pages of 64 KiB), was 0\n");
  }

  @Test
  void run_interpreter_runsTheSameCommand() {
    CliResult r = terrarium("run", "--interpreter", copy("fixtures/wasi-hello.wasm"));

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("hello from wasi\n");
  }

  @Test
  void run_dirWithMissingHostDirectory_isAUsageError() {
    CliResult r = terrarium("run", "--dir", dir.resolve("absent") + "::/data", copy("sizer.wasm"), "/data");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: Invalid value for option '--dir'").contains("does not exist");
  }

  @Test
  void run_dirMappedTwice_isAUsageError() {
    CliResult r =
        terrarium("run", "--dir", dir + "::/data", "--dir", dir + "::/data", copy("sizer.wasm"), "/data");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("terrarium: --dir: the guest path /data is mapped more than once\n");
  }

  @Test
  void run_envWithoutValue_isAUsageError() {
    CliResult r = terrarium("run", "--env", "HOME", copy("fixtures/wasi-hello.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("'HOME' is not NAME=VALUE");
  }

  @Test
  void run_timeoutBoundsTheCommand() {
    CliResult r = terrarium("run", "--timeout", "200ms", "--invoke", "spin", copy("fixtures/loop.wasm"));

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/CALL_TIMEOUT]").contains("200 ms");
  }
}
