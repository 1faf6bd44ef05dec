package dev.terrarium.examples.jpms;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the modular application on the module path, in its own JVM, as a JPMS user would. */
class ModulePathTest {
  private static final String CALCULATOR =
      """
      (module
        (import "audit" "note" (func $note (param i32)))
        (func (export "add") (param i32 i32) (result i32)
          (local $sum i32)
          (local.set $sum (i32.add (local.get 0) (local.get 1)))
          (call $note (local.get $sum))
          (local.get $sum)))
      """;

  private static Path wat2wasm(Path dir) throws Exception {
    Path wat = dir.resolve("calculator.wat");
    Path wasm = dir.resolve("calculator.wasm");
    Files.writeString(wat, CALCULATOR);
    Process p = new ProcessBuilder("wat2wasm", wat.toString(), "-o", wasm.toString()).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("wat2wasm (wabt, installed by scripts/install-toolchains.sh)").isZero();
    return wasm;
  }

  @Test
  void aModularApplication_withOnlyRequiresDevTerrariumHost_callsItsPluginThroughTypedBindings(@TempDir Path dir)
      throws Exception {
    Path wasm = wat2wasm(dir);
    Path target = Path.of("target").toAbsolutePath();
    String dependencies = Files.readString(target.resolve("module-path.txt"), StandardCharsets.UTF_8).trim();
    String modulePath = target.resolve("classes") + File.pathSeparator + dependencies;
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "--module-path",
                    modulePath,
                    "--module",
                    "dev.terrarium.examples.jpms/dev.terrarium.examples.jpms.Main",
                    wasm.toString()))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .contains("add(2, 3) = 5; audit noted [5]")
        .contains("module dev.terrarium.examples.jpms exports dev.terrarium.examples.jpms to dev.terrarium.host: false");
  }
}
