package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.host.CompileEvent;
import dev.terrarium.samples.SamplePlugins;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium run --tier auto|interpreter|compiler} and the progress of a long compile. */
class TierTest {
  @TempDir Path dir;

  @Test
  void everyTier_givesTheSameResultAndFuel() {
    String kernels = SamplePlugins.copyTo("kernels.wasm", dir).toString();
    CliResult auto = terrarium("run", "--print-fuel", "--invoke", "fib", kernels, "20");
    assertThat(auto.status()).isZero();
    assertThat(auto.out()).isEqualTo("6765\n");
    assertThat(auto.err()).matches("terrarium: fuel used: [1-9][0-9]{3,}\\n");
    for (String tier : new String[] {"auto", "interpreter", "compiler", "COMPILER"}) {
      CliResult r = terrarium("run", "--tier", tier, "--print-fuel", "--invoke", "fib", kernels, "20");
      assertThat(r.status()).as(tier).isZero();
      assertThat(r.out()).as(tier).isEqualTo(auto.out());
      assertThat(r.err()).as(tier).isEqualTo(auto.err());
    }
    CliResult command =
        terrarium("run", "--tier", "interpreter", "--print-fuel", SamplePlugins.copyTo("fixtures/wasi-hello.wasm", dir).toString());
    CliResult compiled =
        terrarium("run", "--tier", "compiler", "--print-fuel", SamplePlugins.copyTo("fixtures/wasi-hello.wasm", dir).toString());
    assertThat(command.out()).isEqualTo("hello from wasi\n").isEqualTo(compiled.out());
    assertThat(command.err()).isEqualTo(compiled.err());
  }

  /**
   * Writes add.wasm with a custom section naming this run appended: a module no other test compiled into the
   * process-wide cache.
   */
  private String freshAdd() throws java.io.IOException {
    byte[] add = SamplePlugins.bytes("fixtures/add.wasm");
    byte[] name = ("tier-test-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(add);
    out.write(0); // custom section
    out.write(1 + name.length); // its size (one LEB128 byte: the name is short)
    out.write(name.length);
    out.write(name);
    Path file = dir.resolve("add.wasm");
    java.nio.file.Files.write(file, out.toByteArray());
    return file.toString();
  }

  @Test
  void verbose_tellsTheTierTheModuleRunsIn() throws Exception {
    String add = freshAdd();
    assertThat(terrarium("run", "--verbose", "--tier", "interpreter", "--invoke", "add", add, "1", "2").err())
        .contains(", interpreted\n")
        .doesNotContain("compiling");
    CliResult compiler = terrarium("run", "--verbose", "--tier", "compiler", "--invoke", "add", add, "1", "2");
    assertThat(compiler.err()).contains(", compiled\n").containsPattern("terrarium: compiling add \\(\\d+ bytes\\)\n");
    assertThat(compiler.err()).containsPattern("terrarium: compiled add \\(\\d+ bytes\\) in \\d+ ms\n");
    assertThat(compiler.out()).isEqualTo("3\n");
  }

  @Test
  void aBadTier_isAUsageError() {
    String add = SamplePlugins.copyTo("fixtures/add.wasm", dir).toString();
    CliResult r = terrarium("run", "--tier", "jit", "--invoke", "add", add, "1", "2");
    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("'jit' is not a tier: use auto, interpreter, compiler").endsWith("--help'\n");
    CliResult good = terrarium("run", "--tier", "compiler", "--invoke", "add", add, "1", "2");
    assertThat(good.out()).isEqualTo("3\n");
  }

  @Test
  void interpreter_andTier_mustAgree() {
    String add = SamplePlugins.copyTo("fixtures/add.wasm", dir).toString();
    CliResult r = terrarium("run", "--interpreter", "--tier", "compiler", "--invoke", "add", add, "1", "2");
    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("terrarium: --interpreter contradicts --tier compiler; give only one of them\n");
    CliResult same = terrarium("run", "--interpreter", "--tier", "interpreter", "--invoke", "add", add, "1", "2");
    assertThat(same.status()).isZero();
    assertThat(same.out()).isEqualTo("3\n");
    assertThat(terrarium("run", "--help").out()).contains("--tier=TIER").contains("--interpreter");
  }

  private static CompileEvent event(CompileEvent.Kind kind, boolean background, long millis) {
    return new CompileEvent(
        kind,
        "yosys",
        "ab",
        31 * 1024 * 1024 + 300 * 1024,
        background,
        Duration.ofMillis(millis),
        kind == CompileEvent.Kind.FAILED ? new PluginLoadException(ErrorCode.LOAD_UNSUPPORTED, "yosys", "no", null) : null);
  }

  @Test
  void progress_rewritesOneLine_withSizeAndElapsed_andOnlyForACompileTheRunWaitsFor() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CompileProgress progress = new CompileProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "yosys.wasm");
    progress.onCompile(event(CompileEvent.Kind.STARTED, false, 0));
    progress.onCompile(event(CompileEvent.Kind.PROGRESS, false, 1_000));
    progress.onCompile(event(CompileEvent.Kind.PROGRESS, false, 2_000));
    progress.onCompile(event(CompileEvent.Kind.FINISHED, false, 2_345));
    progress.onCompile(event(CompileEvent.Kind.STARTED, true, 0));
    progress.onCompile(event(CompileEvent.Kind.PROGRESS, true, 1_000));
    progress.onCompile(event(CompileEvent.Kind.FINISHED, true, 1_500));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "\rterrarium: compiling yosys.wasm (31.3 MiB) to JVM bytecode: 1 s"
                + "\rterrarium: compiling yosys.wasm (31.3 MiB) to JVM bytecode: 2 s"
                + "\rterrarium: compiled yosys.wasm (31.3 MiB) in 2.3 s   \n");

    bytes.reset();
    progress.onCompile(event(CompileEvent.Kind.STARTED, false, 0));
    progress.onCompile(event(CompileEvent.Kind.FINISHED, false, 300));
    assertThat(bytes.size()).as("a compile shorter than a tick shows nothing").isZero();
    progress.onCompile(event(CompileEvent.Kind.PROGRESS, false, 1_000));
    progress.onCompile(event(CompileEvent.Kind.FAILED, false, 1_200));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .endsWith("\rterrarium: compiling yosys.wasm (31.3 MiB) failed after 1.2 s\n");
    assertThat(CompileProgress.size(1023)).isEqualTo("1023 bytes");
    assertThat(CompileProgress.size(248_117)).isEqualTo("242.3 KiB");
  }
}
