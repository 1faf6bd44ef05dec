package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AssemblyScriptGuestWriterTest {

  /**
   * The AssemblyScript compiler that the sample-plugins build installs with npm ci (sample-plugins/node_modules);
   * abi-codegen is built first in the reactor, so on a fresh checkout it is not there yet and the compile test
   * skips, saying so (the sample-plugins build then compiles and runs greeter-as.wasm).
   */
  static final Path ASC = Paths.get("../sample-plugins/node_modules/.bin/asc");

  static List<String> models() {
    return GuestModels.names();
  }

  @ParameterizedTest
  @MethodSource("models")
  void matchesTheGoldenFile(String name) throws Exception {
    GuestFiles.assertGolden(name + ".ts", AssemblyScriptWriter.write(GuestModels.all().get(name)));
    String exports = AssemblyScriptWriter.writeExports(GuestModels.all().get(name));
    if (exports != null) {
      GuestFiles.assertGolden(name + "_exports.ts", exports);
    }
  }

  @Test
  void exportsBecomeAnAbstractClassAndAFileThatReExportsTheWasmFunctions() {
    String ts = AssemblyScriptWriter.write(GuestModels.greeter());
    String exports = AssemblyScriptWriter.writeExports(GuestModels.greeter());

    assertThat(ts)
        .contains("export abstract class Greeter {")
        .contains("  abstract greet(name: string): string;")
        .contains("  abstract summarize(document: Uint8Array, options: Options, err: PluginError): Summary | null;")
        .contains("  abstract lookup(key: string): string | null;")
        .contains("  abstract collect(prefix: string): Array<Entry>;")
        .contains("export function tr_export_echo_bytes(a0: usize, a1: u32): u64 {")
        .contains("export function alloc(size: u32): usize {")
        .contains("export enum Mode {\n  WORDS = 0,\n  LINES = 1,\n  BYTES = 2,\n}");
    assertThat(exports).contains("  tr_export_echo_bytes as echo_bytes,").contains("} from \"./greeter\";");
    assertThat(AssemblyScriptWriter.writeExports(GuestModels.keyValueStore())).isNull();
  }

  @Test
  void importsBecomeFunctionsOverExternalDeclarations() {
    String ts = AssemblyScriptWriter.write(GuestModels.keyValueStore());

    assertThat(ts)
        .contains("@external(\"kv\", \"get\")\ndeclare function tr_import_get(a0: usize, a1: u32): u64;")
        .contains("export function get(key: string): string | null {")
        .contains("export function put(key: string, value: string, err: PluginError): void {")
        .contains("export function scan(prefix: string): Array<Entry> {")
        .contains("export function add(delta: i32): i64 {");
  }

  /**
   * Every generated file compiles with asc (the version sample-plugins pins), in one plugin that implements both
   * export interfaces with stubs and calls nothing (src/test/resources/guest/compile/plugin.ts): its imports are
   * exactly the host modules' functions and its exports memory, alloc, dealloc and the interfaces' functions.
   */
  @Test
  void modulesCompileWithAsc(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(ASC), "AssemblyScript is not installed in sample-plugins/node_modules yet (the"
        + " sample-plugins build runs npm ci); the sample plugin greeter-as covers it there");
    for (var e : GuestModels.all().entrySet()) {
      Files.writeString(dir.resolve(e.getKey() + ".ts"), AssemblyScriptWriter.write(e.getValue()), StandardCharsets.UTF_8);
      String exports = AssemblyScriptWriter.writeExports(e.getValue());
      if (exports != null) {
        Files.writeString(dir.resolve(e.getKey() + "_exports.ts"), exports, StandardCharsets.UTF_8);
      }
    }
    Files.writeString(dir.resolve("plugin.ts"), GuestFiles.resource("/guest/compile/plugin.ts"));

    GuestFiles.Run run =
        GuestFiles.run(
            dir,
            List.of(ASC.toAbsolutePath().toString(), "plugin.ts", "--runtime", "incremental", "--use", "abort=", "-O2",
                "-o", "plugin.wasm"));

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
}
