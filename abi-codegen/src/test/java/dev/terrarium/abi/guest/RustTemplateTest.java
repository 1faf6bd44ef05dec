package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cargo project template of the guest guide (docs/templates/rust-plugin): no crates, the generated modules in
 * bindings/, the manifest embedded from manifest.json. It builds into a plugin with the Greeter exports, only kv
 * imports besides std's WASI ones, and the manifest section.
 */
class RustTemplateTest {
  static final Path TEMPLATE = Paths.get("../docs/templates/rust-plugin");

  /** A copy of the template with the generated Greeter and KeyValueStore modules in bindings/. */
  private static Path project(Path dir) throws IOException {
    Path project = dir.resolve("my-plugin");
    try (Stream<Path> files = Files.walk(TEMPLATE)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = project.resolve(TEMPLATE.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    Files.writeString(project.resolve("bindings/greeter.rs"), RustWriter.write(GuestModels.greeter()));
    Files.writeString(project.resolve("bindings/key_value_store.rs"), RustWriter.write(GuestModels.keyValueStore()));
    return project;
  }

  private static void assertPlugin(Path wasm, Path project) throws IOException {
    WasmModuleInfo info = WasmModuleInfo.parse(Files.readAllBytes(wasm));
    assertThat(info.imports().stream().filter(i -> !i.startsWith("wasi_snapshot_preview1.")))
        .containsExactlyInAnyOrder("kv.get", "kv.put", "kv.scan", "kv.add");
    assertThat(info.exports())
        .contains("memory", "alloc", "dealloc", "greet", "summarize", "echo", "echo_bytes", "echo_sample", "noop",
            "collect", "lookup", "store", "count");
    assertThat(info.custom("terrarium.manifest"))
        .singleElement()
        .extracting(b -> new String(b, StandardCharsets.UTF_8))
        .isEqualTo(Files.readString(project.resolve("manifest.json")));
  }

  @Test
  void templateNeedsNoCratesAndBuildsACdylib() throws Exception {
    String toml = Files.readString(TEMPLATE.resolve("Cargo.toml"));
    assertThat(toml).contains("crate-type = [\"cdylib\"]").contains("[dependencies]\n\n");
    assertThat(Files.readString(TEMPLATE.resolve(".cargo/config.toml"))).contains("target = \"wasm32-wasip1\"");
  }

  /** Its source compiles with Debian's rustc 1.63 as cargo would compile it (cargo of that age is not installed). */
  @Test
  void templateSourceBuildsWithDebiansRustc(@TempDir Path dir) throws Exception {
    assumeTrue(GuestFiles.executable(RustGuestWriterTest.RUSTC), "Debian's rustc (/usr/bin/rustc) is not installed");
    Path project = project(dir);

    GuestFiles.Run run =
        GuestFiles.run(
            project,
            List.of(RustGuestWriterTest.RUSTC, "--edition", "2021", "--crate-type", "cdylib", "--crate-name",
                "my_plugin", "--target", "wasm32-wasi", "-C", "opt-level=2", "-C", "strip=debuginfo", "-D", "warnings",
                "-o", "my_plugin.wasm", "src/lib.rs"),
            "TERRARIUM_GUEST_DIR", project.resolve("bindings").toString());

    assertThat(run.output()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertPlugin(project.resolve("my_plugin.wasm"), project);
  }

  /**
   * cargo build with rustup's toolchain, when it has the wasm32-wasip1 standard library (rustup target add
   * wasm32-wasip1); otherwise cargo only reads the project (no crates to fetch) and the build is skipped, saying so.
   */
  @Test
  void templateBuildsWithCargo(@TempDir Path dir) throws Exception {
    Path cargo = Paths.get(System.getProperty("user.home"), ".cargo/bin/cargo");
    assumeTrue(Files.isExecutable(cargo), "rustup's cargo is not installed (~/.cargo/bin/cargo)");
    Path project = project(dir);
    GuestFiles.Run metadata =
        GuestFiles.run(project, List.of(cargo.toString(), "metadata", "--offline", "--no-deps", "--format-version", "1"));
    assertThat(metadata.exitCode()).as(metadata.output()).isZero();
    assertThat(metadata.output()).contains("\"dependencies\":[]").contains("\"crate_types\":[\"cdylib\"]");

    String rustc = RustGuestWriterTest.newestRustc();
    assumeTrue(rustc != null, "no rustc 1.85 or later on the PATH");
    GuestFiles.Run libdir = GuestFiles.run(project, List.of(rustc, "--print", "target-libdir", "--target", "wasm32-wasip1"));
    Path std = Paths.get(libdir.output().strip());
    boolean hasStd;
    try (Stream<Path> libs = Files.exists(std) ? Files.list(std) : Stream.empty()) {
      hasStd = libs.anyMatch(p -> p.getFileName().toString().startsWith("libstd-"));
    }
    assumeTrue(hasStd, "rustup's toolchain has no wasm32-wasip1 standard library (rustup target add wasm32-wasip1"
        + " needs the network); cargo read the project, the build is skipped");

    GuestFiles.Run build =
        GuestFiles.run(project, List.of(cargo.toString(), "build", "--offline", "--release"), "RUSTC", rustc);
    assertThat(build.exitCode()).as(build.output()).isZero();
    assertPlugin(project.resolve("target/wasm32-wasip1/release/my_plugin.wasm"), project);
  }
}
