package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.terrarium.abi.model.InterfaceModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CGuestWriterTest {

  static final String CLANG = "/usr/bin/clang";
  static final List<String> CLANG_WASM =
      List.of(CLANG, "--target=wasm32-wasi", "--sysroot=/usr", "-std=c11", "-Wall", "-Wextra", "-Werror");

  static List<String> models() {
    return GuestModels.names();
  }

  @ParameterizedTest
  @MethodSource("models")
  void matchesTheGoldenFile(String name) throws Exception {
    GuestFiles.assertGolden(name + ".h", CHeaderWriter.write(GuestModels.all().get(name)));
  }

  @Test
  void checksEveryRecordLayoutAtCompileTime() {
    String h = CHeaderWriter.write(GuestModels.greeter());

    assertThat(h)
        .contains("_Static_assert(sizeof(Summary) == 40 && _Alignof(Summary) == 8,")
        .contains("_Static_assert(offsetof(Summary, stats) == 24,")
        .contains("_Static_assert(offsetof(Options, language) == 12,")
        .contains("_Static_assert(offsetof(Sample, label) == 28,");
  }

  @Test
  void declaresTheFunctionsAPluginImplementsAndDefinesTheirExportsOnlyInTheImplementationFile() {
    String h = CHeaderWriter.write(GuestModels.greeter());

    assertThat(h)
        .contains("tr_string greeter_greet(tr_string name);")
        .contains("Summary greeter_summarize(tr_bytes document, const Options* options, tr_error* err);")
        .contains("Sample greeter_echo_sample(const Sample* sample);")
        .contains("void greeter_noop(void);")
        .contains("tr_list_Entry greeter_collect(tr_string prefix);")
        .contains("void greeter_store(tr_string key, tr_string value, tr_error* err);")
        .contains("int64_t greeter_count(int32_t delta, int32_t times);");
    int impl = h.indexOf("#ifdef TERRARIUM_IMPLEMENTATION");
    assertThat(impl).isPositive();
    assertThat(h.indexOf("__attribute__((export_name(\"greet\")))")).isGreaterThan(impl);
    assertThat(h.indexOf("__attribute__((export_name(\"alloc\")))")).isGreaterThan(impl);
  }

  @Test
  void declaresHostImportsWithTheirModuleAndFlattenedSignature() {
    String h = CHeaderWriter.write(GuestModels.keyValueStore());

    assertThat(h)
        .contains("__attribute__((import_module(\"kv\"), import_name(\"get\")))\n"
            + "uint64_t tr__import_key_value_store_get(const void* key_ptr, uint32_t key_len);")
        .contains("void tr__import_key_value_store_put(const void* key_ptr, uint32_t key_len, const void* value_ptr,"
            + " uint32_t value_len, tr_error* err);")
        .contains("static inline tr_string key_value_store_get(tr_string key) {")
        .contains("static inline int32_t key_value_store_put(tr_string key, tr_string value, tr_error* err) {")
        .contains("static inline tr_list_Entry key_value_store_scan(tr_string prefix) {")
        .contains("static inline int64_t key_value_store_add(int32_t delta) {")
        .doesNotContain("export_name(\"greet\")");
  }

  @Test
  void anInterfaceOfNumbersNeedsNoAllocator() {
    InterfaceModel numbers =
        new InterfaceModel(
            InterfaceModel.Kind.HOST_IMPORTS,
            "p",
            "Clock",
            "Clock",
            "p.Clock",
            "clock",
            "",
            List.of(GuestModels.fn("", "now", GuestModels.LONG)),
            List.of(),
            List.of());

    assertThat(CHeaderWriter.write(numbers))
        .doesNotContain("TERRARIUM_IMPLEMENTATION")
        .doesNotContain("export_name")
        .contains("static inline int64_t clock_now(void) {");
  }

  /** Every header, all included together (twice, in both orders), passes clang with -Wall -Wextra -Werror. */
  @Test
  void headersCompileWithClangForWasm32(@TempDir Path dir) throws Exception {
    assumeTrue(GuestFiles.executable(CLANG), "clang is not installed");
    GuestFiles.writeAll(dir, ".h", CHeaderWriter::write);
    StringBuilder all = new StringBuilder("#define TERRARIUM_IMPLEMENTATION\n");
    List<String> names = GuestModels.names();
    for (String n : names) {
      all.append("#include \"").append(n).append(".h\"\n");
    }
    for (int i = names.size() - 1; i >= 0; i--) {
      all.append("#include \"").append(names.get(i)).append(".h\"\n");
    }
    Files.writeString(dir.resolve("all.c"), all.toString(), StandardCharsets.UTF_8);
    List<String> cmd = new ArrayList<>(CLANG_WASM);
    cmd.addAll(List.of("-fsyntax-only", "all.c"));

    GuestFiles.Run run = GuestFiles.run(dir, cmd);

    assertThat(run.output()).isEmpty();
    assertThat(run.exitCode()).isZero();
  }

  /**
   * A plugin written against the headers (src/test/resources/guest/compile/plugin.c: implements Greeter and the
   * kitchen sink, calls every import) links into a module whose only imports are the host modules' functions and
   * whose exports are memory, alloc, dealloc and the interface's functions.
   */
  @Test
  void aPluginUsingTheHeadersLinksWithOnlyTheDeclaredImportsAndExports(@TempDir Path dir) throws Exception {
    assumeTrue(GuestFiles.executable(CLANG), "clang is not installed");
    GuestFiles.writeAll(dir, ".h", CHeaderWriter::write);
    Files.writeString(dir.resolve("plugin.c"), GuestFiles.resource("/guest/compile/plugin.c"));
    Files.writeString(dir.resolve("other.c"), GuestFiles.resource("/guest/compile/other.c"));
    List<String> cmd = new ArrayList<>(CLANG_WASM);
    cmd.addAll(List.of("-O2", "-nostartfiles", "-Wl,--no-entry", "-I.", "-o", "plugin.wasm", "plugin.c", "other.c"));

    GuestFiles.Run run = GuestFiles.run(dir, cmd);

    assertThat(run.output()).isEmpty();
    assertThat(run.exitCode()).isZero();
    WasmModuleInfo info = WasmModuleInfo.parse(Files.readAllBytes(dir.resolve("plugin.wasm")));
    List<String> expectedImports = new ArrayList<>();
    for (var f : GuestModels.keyValueStore().functions()) {
      expectedImports.add("kv." + f.wasmName());
    }
    for (var f : GuestModels.sinkImports().functions()) {
      expectedImports.add("sink." + f.wasmName());
    }
    assertThat(info.imports()).containsExactlyInAnyOrderElementsOf(expectedImports);
    List<String> expectedExports = new ArrayList<>(List.of("memory", "alloc", "dealloc", "call_everything"));
    for (var f : GuestModels.greeter().functions()) {
      expectedExports.add(f.wasmName());
    }
    for (var f : GuestModels.sinkExports().functions()) {
      expectedExports.add(f.wasmName());
    }
    assertThat(info.exports()).containsExactlyInAnyOrderElementsOf(expectedExports);
  }

  /**
   * TR_MANIFEST takes the JSON unquoted and TR_MANIFEST_FILE a file; either puts exactly those bytes into the
   * custom section terrarium.manifest, which the host reads (no byte counting, no script).
   */
  @Test
  void manifestMacrosEmbedTheJsonAsTheCustomSection(@TempDir Path dir) throws Exception {
    assumeTrue(GuestFiles.executable(CLANG), "clang is not installed");
    GuestFiles.writeAll(dir, ".h", CHeaderWriter::write);
    String inline = "{\"id\":\"inline\",\"version\":\"1.0.0\",\"description\":\"a \\\"quoted\\\" Été\\n\","
        + "\"capabilities\":{\"hostModules\":[\"kv\"]}}";
    String fromFile = "{\n  \"id\": \"from-file\",\n  \"version\": \"2.0.0\"\n}\n";
    Files.writeString(dir.resolve("manifest.json"), fromFile, StandardCharsets.UTF_8);
    String body = "#include \"key_value_store.h\"\n__attribute__((export_name(\"f\"))) int f(void) { return 1; }\n";
    Files.writeString(dir.resolve("inline.c"), body + "TR_MANIFEST(" + inline + ");\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("file.c"), body + "TR_MANIFEST_FILE(\"manifest.json\");\n", StandardCharsets.UTF_8);

    for (String name : List.of("inline", "file")) {
      List<String> cmd = new ArrayList<>(CLANG_WASM);
      cmd.addAll(List.of("-O2", "-nostartfiles", "-Wl,--no-entry", "-Wl,--strip-debug", "-I.", "-o", name + ".wasm",
          name + ".c"));
      GuestFiles.Run run = GuestFiles.run(dir, cmd);
      assertThat(run.output()).as(name).isEmpty();
      assertThat(run.exitCode()).as(name).isZero();
    }

    List<byte[]> inlineSections =
        WasmModuleInfo.parse(Files.readAllBytes(dir.resolve("inline.wasm"))).custom("terrarium.manifest");
    assertThat(inlineSections).hasSize(1);
    assertThat(new String(inlineSections.get(0), StandardCharsets.UTF_8)).isEqualTo(inline);
    List<byte[]> fileSections =
        WasmModuleInfo.parse(Files.readAllBytes(dir.resolve("file.wasm"))).custom("terrarium.manifest");
    assertThat(fileSections).hasSize(1);
    assertThat(new String(fileSections.get(0), StandardCharsets.UTF_8)).isEqualTo(fromFile);
  }
}
