package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
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
    assertThat(info.custom("terrarium.manifest"))
        .singleElement()
        .extracting(b -> new String(b, StandardCharsets.UTF_8))
        .isEqualTo(PLUGIN_MANIFEST);
  }

  /** The manifest that src/test/resources/guest/compile/plugin.rs embeds with terrarium_manifest!. */
  static final String PLUGIN_MANIFEST =
      "{\"id\":\"compile-test\",\"version\":\"1.0.0\",\"description\":\"Été \\\"quoted\\\"\","
          + "\"capabilities\":{\"hostModules\":[\"kv\",\"sink\"]}}";

  @Test
  void edition2024WritesTheUnsafeAttributesAndExternBlocks() {
    String rs2021 = RustWriter.write(GuestModels.greeter(), "2021");
    String rs2024 = RustWriter.write(GuestModels.greeter(), "2024");
    String imports2024 = RustWriter.write(GuestModels.keyValueStore(), "2024");

    assertThat(rs2021)
        .contains("            #[export_name = \"greet\"]")
        .contains("            #[link_section = \"terrarium.manifest\"]")
        .contains("            extern \"C\" {")
        .doesNotContain("unsafe(")
        .doesNotContain("unsafe extern \"C\" {");
    assertThat(rs2024)
        .contains("            #[unsafe(export_name = \"greet\")]")
        .contains("            #[unsafe(export_name = \"alloc\")]")
        .contains("            #[unsafe(link_section = \"terrarium.manifest\")]")
        .contains("            unsafe extern \"C\" {")
        .doesNotContain("#[export_name")
        .doesNotContain("#[link_section");
    assertThat(imports2024).contains("#[link(wasm_import_module = \"kv\")]\nunsafe extern \"C\" {");
    assertThat(RustWriter.write(GuestModels.greeter())).isEqualTo(rs2021);
  }

  @Test
  void rejectsAnEditionItCannotWrite() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RustWriter.write(GuestModels.greeter(), "2015"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2015");
  }

  /**
   * The rustc of rustup (1.85 or later) on the PATH, when there is one: edition 2024 needs it. This machine's has no
   * wasm32 standard library (and rustup cannot download one offline), so the modules are compiled for the host,
   * with the three lines that only compile for wasm32 (the compile_error! guard, the trap instruction and the
   * pointer size check) replaced;
   * every attribute and extern block stays as generated, and -D warnings makes any lint an error.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"2021", "2024"})
  void modulesCompileWithTheNewestRustc(String edition, @TempDir Path dir) throws Exception {
    String rustc = newestRustc();
    assumeTrue(rustc != null, "no rustc 1.85 or later on the PATH (rustup's); Debian's 1.63 cannot check edition 2024");
    for (var e : GuestModels.all().entrySet()) {
      String rs = RustWriter.write(e.getValue(), edition);
      String guard = "#[cfg(not(target_arch = \"wasm32\"))]\ncompile_error!(";
      assertThat(rs).contains(guard).contains("core::arch::wasm32::unreachable()");
      String pointerSize = "const _: () = assert!(size_of::<usize>() == 4);";
      assertThat(rs).contains(pointerSize);
      rs = rs.replace(guard, "#[cfg(any())]\ncompile_error!(")
          .replace("core::arch::wasm32::unreachable()", "::std::process::abort()")
          .replace(pointerSize, "");
      Files.writeString(dir.resolve(e.getKey() + ".rs"), rs, StandardCharsets.UTF_8);
    }
    String plugin = GuestFiles.resource("/guest/compile/plugin.rs");
    if (edition.equals("2024")) {
      assertThat(plugin).contains("#[no_mangle]");
      plugin = plugin.replace("#[no_mangle]", "#[unsafe(no_mangle)]");
    }
    Files.writeString(dir.resolve("plugin.rs"), plugin, StandardCharsets.UTF_8);

    GuestFiles.Run lib =
        GuestFiles.run(
            dir,
            List.of(rustc, "--edition", edition, "--crate-type", "lib", "-D", "warnings", "-o", "libplugin.rlib",
                "plugin.rs"),
            "TERRARIUM_GUEST_DIR", dir.toString());

    assertThat(lib.output()).as("rustc %s, edition %s", rustc, edition).isEmpty();
    assertThat(lib.exitCode()).isZero();
  }

  /** Edition 2024's forms are what Debian's rustc 1.63 rejects: the default edition must stay 2021. */
  @Test
  void debiansRustcRejectsEdition2024Forms(@TempDir Path dir) throws Exception {
    assumeTrue(GuestFiles.executable(RUSTC), "rustc is not installed");
    GuestFiles.writeAll(dir, ".rs", m -> RustWriter.write(m, "2024"));
    Files.writeString(
        dir.resolve("plugin.rs"),
        "mod key_value_store {\n    include!(concat!(env!(\"TERRARIUM_GUEST_DIR\"), \"/key_value_store.rs\"));\n}\n"
            + "key_value_store::terrarium_allocator!();\n");

    GuestFiles.Run lib =
        GuestFiles.run(
            dir,
            List.of(RUSTC, "--edition", "2021", "--target", "wasm32-wasi", "--crate-type", "lib", "-o",
                "libplugin.rlib", "plugin.rs"),
            "TERRARIUM_GUEST_DIR", dir.toString());

    assertThat(lib.exitCode()).isNotZero();
    assertThat(lib.output()).contains("extern block cannot be declared unsafe");
  }

  /** Returns the path of a rustc of version 1.85 or later on the PATH, or null. */
  static String newestRustc() throws Exception {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(d.isEmpty() ? "." : d, "rustc");
      if (!Files.isExecutable(candidate)) {
        continue;
      }
      GuestFiles.Run v = GuestFiles.run(Path.of("."), List.of(candidate.toString(), "--version"));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("rustc 1\\.(\\d+)").matcher(v.output());
      if (v.exitCode() == 0 && m.find() && Integer.parseInt(m.group(1)) >= 85) {
        return candidate.toString();
      }
    }
    return null;
  }
}
