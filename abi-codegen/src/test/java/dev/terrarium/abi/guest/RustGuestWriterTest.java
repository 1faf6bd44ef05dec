package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RustGuestWriterTest {

  /** Debian's rustc with the wasm32-wasi std (never a rustup rustc from the PATH). */
  static final String RUSTC = "/usr/bin/rustc";

  static List<String> models() {
    return GuestModels.names();
  }

  @ParameterizedTest
  @MethodSource("models")
  void matchesTheGoldenFile(String name) throws Exception {
    GuestFiles.assertGolden(name + ".rs", RustWriter.write(GuestModels.all().get(name)));
  }

  @Test
  void exportsBecomeATraitAndAMacroThatDefinesTheWasmExports() {
    String rs = RustWriter.write(GuestModels.greeter());

    assertThat(rs)
        .contains("pub trait Greeter {")
        .contains("    fn greet(name: String) -> String;")
        .contains("    fn summarize(document: Vec<u8>, options: Options) -> Result<Summary, PluginError>;")
        .contains("    fn noop();")
        .contains("    fn lookup(key: String) -> Option<String>;")
        .contains("    fn store(key: String, value: String) -> Result<(), PluginError>;")
        .contains("macro_rules! export_greeter {")
        .contains("            #[export_name = \"echo_bytes\"]")
        .contains("macro_rules! terrarium_allocator {")
        .contains("const _: () = assert!(::std::mem::size_of::<RawSummary>() == 40);");
  }

  @Test
  void importsBecomeSafeFunctionsThatBorrowTheirArguments() {
    String rs = RustWriter.write(GuestModels.keyValueStore());

    assertThat(rs)
        .contains("#[link(wasm_import_module = \"kv\")]")
        .contains("    #[link_name = \"get\"]\n    fn tr_import_get(a0: u32, a1: u32) -> u64;")
        .contains("pub fn get(key: &str) -> Option<String> {")
        .contains("pub fn put(key: &str, value: &str) -> Result<(), PluginError> {")
        .contains("pub fn scan(prefix: &str) -> Vec<Entry> {")
        .contains("pub fn add(delta: i32) -> i64 {");
  }

  @Test
  void qualifiesStdNamesWhenARecordIsNamedLikeOne() {
    String rs = RustWriter.write(GuestModels.sinkExports());

    assertThat(rs)
        .contains("pub struct Result {")
        .contains("fn results(ids: ::std::vec::Vec<i64>) -> ::std::vec::Vec<Result>;");
  }

  /**
   * All modules, included into one crate that implements both export traits and calls every import
   * (src/test/resources/guest/compile/plugin.rs), compile with rustc for wasm32-wasi: as a library (the brief's
   * check) and as the cdylib a plugin is, whose imports and exports are then exactly the interfaces' functions
   * (plus what Rust's std imports from WASI).
   */
  @Test
  void modulesCompileWithRustcForWasm32(@TempDir Path dir) throws Exception {
    assumeTrue(GuestFiles.executable(RUSTC), "rustc is not installed");
    GuestFiles.writeAll(dir, ".rs", RustWriter::write);
    Files.writeString(dir.resolve("plugin.rs"), GuestFiles.resource("/guest/compile/plugin.rs"));
    for (String edition : List.of("2018", "2021")) {
      GuestFiles.Run lib =
          GuestFiles.run(
              dir,
              List.of(RUSTC, "--edition", edition, "--target", "wasm32-wasi", "--crate-type", "lib", "-D",
                  "warnings", "-o", "libplugin.rlib", "plugin.rs"),
              "TERRARIUM_GUEST_DIR", dir.toString());
      assertThat(lib.output()).as("edition %s", edition).isEmpty();
      assertThat(lib.exitCode()).isZero();
    }

    GuestFiles.Run cdylib =
        GuestFiles.run(
            dir,
            List.of(RUSTC, "--edition", "2021", "--target", "wasm32-wasi", "--crate-type", "cdylib", "-O", "-D",
                "warnings", "-o", "plugin.wasm", "plugin.rs"),
            "TERRARIUM_GUEST_DIR", dir.toString());

    assertThat(cdylib.output()).isEmpty();
    assertThat(cdylib.exitCode()).isZero();
    WasmModuleInfo info = WasmModuleInfo.parse(Files.readAllBytes(dir.resolve("plugin.wasm")));
    List<String> expectedImports = new ArrayList<>();
    for (var f : GuestModels.keyValueStore().functions()) {
      expectedImports.add("kv." + f.wasmName());
    }
    for (var f : GuestModels.sinkImports().functions()) {
      expectedImports.add("sink." + f.wasmName());
    }
    assertThat(info.imports().stream().filter(i -> !i.startsWith("wasi_snapshot_preview1.")))
        .containsExactlyInAnyOrderElementsOf(expectedImports);
    List<String> expectedExports = new ArrayList<>(List.of("memory", "alloc", "dealloc", "__heap_base", "__data_end", "call_everything"));
    for (var f : GuestModels.greeter().functions()) {
      expectedExports.add(f.wasmName());
    }
    for (var f : GuestModels.sinkExports().functions()) {
      expectedExports.add(f.wasmName());
    }
    assertThat(info.exports()).containsExactlyInAnyOrderElementsOf(expectedExports);
  }
}
