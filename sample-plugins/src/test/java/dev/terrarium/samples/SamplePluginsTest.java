package dev.terrarium.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SamplePluginsTest {

  private static final String MANIFEST_SECTION = "terrarium.manifest";

  private static final List<String> VALID_MODULES =
      List.of(
          "hello.wasm",
          "echo-shell.wasm",
          "sizer.wasm",
          "greeter-c.wasm",
          "greeter-rust.wasm",
          "greeter-as.wasm",
          "shell-repl.wasm",
          "kernels.wasm",
          "wasi-check-c.wasm",
          "wasi-check-rust.wasm",
          "wasi-sockets.wasm",
          "wasi-tenant.wasm",
          "fixtures/add.wasm",
          "fixtures/loop.wasm",
          "fixtures/memory-bomb.wasm",
          "fixtures/recursion.wasm",
          "fixtures/host-call.wasm",
          "fixtures/ungranted.wasm",
          "fixtures/traps.wasm",
          "fixtures/start-trap.wasm",
          "fixtures/start-loop.wasm",
          "fixtures/hostile-exports.wasm",
          "fixtures/hostile-alloc-zero.wasm",
          "fixtures/hostile-alloc-garbage.wasm",
          "fixtures/hostile-imports.wasm",
          "fixtures/big-initial-memory.wasm",
          "fixtures/wasi-hello.wasm",
          "fixtures/wasi-unstable.wasm",
          "fixtures/wasi-hostile.wasm",
          "fixtures/wasi-io.wasm",
          "fixtures/wasi-create-race.wasm",
          "fixtures/wasi-unknown.wasm",
          "fixtures/exit-code.wasm");

  private static final List<String> INVALID_MODULES =
      List.of("fixtures/garbage.wasm", "fixtures/truncated.wasm");

  @Test
  void indexListsExactlyTheExpectedModules() {
    List<String> expected = new java.util.ArrayList<>(VALID_MODULES);
    expected.addAll(INVALID_MODULES);

    assertThat(SamplePlugins.names()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void everyValidModuleStartsWithTheWasmHeaderAndItsSectionsCoverTheFile() {
    for (String name : VALID_MODULES) {
      byte[] bytes = SamplePlugins.bytes(name);

      assertThat(WasmSections.hasMagic(bytes)).as("%s starts with \\0asm", name).isTrue();
      assertThat(WasmSections.parse(bytes).sections()).as("%s sections", name).isNotEmpty();
    }
  }

  @Test
  void garbageIsTextWithoutTheWasmMagic() {
    byte[] bytes = SamplePlugins.bytes("fixtures/garbage.wasm");

    assertThat(WasmSections.hasMagic(bytes)).isFalse();
    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("this is not a wasm module\n");
  }

  @Test
  void truncatedIsTheFirstHalfOfAddAndItsSectionTableDoesNotFit() {
    byte[] add = SamplePlugins.bytes("fixtures/add.wasm");
    byte[] truncated = SamplePlugins.bytes("fixtures/truncated.wasm");

    assertThat(truncated).isEqualTo(Arrays.copyOf(add, add.length / 2));
    assertThat(WasmSections.hasMagic(truncated)).isTrue();
    assertThatThrownBy(() -> WasmSections.parse(truncated))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "hello.wasm      | {\"id\":\"hello\",\"version\":\"1.0.0\",\"capabilities\":{\"hostModules\":[\"host\"]}}",
        "echo-shell.wasm | {\"id\":\"echo-shell\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"stdio\",\"env\",\"exit\"]}}",
        "sizer.wasm      | {\"id\":\"sizer\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"args\",\"stdio\",\"files\",\"exit\"]}}",
        "greeter-c.wasm    | {\"id\":\"greeter-c\",\"version\":\"0.1.0\",\"capabilities\":{\"hostModules\":[\"kv\"]}}",
        "greeter-rust.wasm | {\"id\":\"greeter-rust\",\"version\":\"0.1.0\",\"capabilities\":{\"hostModules\":[\"kv\"]}}",
        "greeter-as.wasm   | {\"id\":\"greeter-as\",\"version\":\"0.1.0\",\"capabilities\":{\"hostModules\":[\"kv\"]}}",
        "shell-repl.wasm   | {\"id\":\"shell-repl\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"stdio\",\"exit\"],\"hostModules\":[\"shell\"]}}",
        "kernels.wasm      | {\"id\":\"kernels\",\"version\":\"0.1.0\"}",
        "wasi-check-c.wasm    | {\"id\":\"wasi-check-c\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"args\",\"env\",\"stdio\",\"clocks\",\"random\",\"poll\",\"files\",\"exit\"]}}",
        "wasi-check-rust.wasm | {\"id\":\"wasi-check-rust\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"args\",\"env\",\"stdio\",\"clocks\",\"random\",\"poll\",\"files\",\"exit\"]}}",
        "wasi-sockets.wasm    | {\"id\":\"wasi-sockets\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"stdio\",\"exit\"]}}",
        "wasi-tenant.wasm     | {\"id\":\"wasi-tenant\",\"version\":\"0.1.0\",\"capabilities\":{\"wasi\":[\"args\",\"stdio\",\"poll\",\"files\",\"exit\"]}}"
      })
  void realPluginsEmbedTheirManifestInATerrariumManifestCustomSection(
      String name, String expectedJson) {
    WasmSections module = WasmSections.parse(SamplePlugins.bytes(name));

    assertThat(module.customSections()).containsKey(MANIFEST_SECTION);
    assertThat(new String(module.customSections().get(MANIFEST_SECTION), StandardCharsets.UTF_8))
        .isEqualTo(expectedJson);
  }

  @Test
  void fixturesHaveNoManifest() {
    for (String name : VALID_MODULES) {
      if (name.startsWith("fixtures/")) {
        assertThat(WasmSections.parse(SamplePlugins.bytes(name)).customSections())
            .as("custom sections of %s", name)
            .doesNotContainKey(MANIFEST_SECTION);
      }
    }
  }

  @Test
  void helloImportsHostHelloAndExportsHelloAndMemory() {
    WasmSections hello = WasmSections.parse(SamplePlugins.bytes("hello.wasm"));

    assertThat(hello.imports()).containsExactly("host.hello");
    assertThat(hello.exports()).containsExactlyInAnyOrder("hello", "memory");
  }

  /** The Greeter plugins (C, Rust and AssemblyScript, built on the generated bindings) import only kv. */
  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void greeterPluginsImportOnlyKvAndExportTheGreeterFunctions(String name) {
    WasmSections module = WasmSections.parse(SamplePlugins.bytes(name));

    assertThat(module.imports()).containsExactlyInAnyOrder("kv.get", "kv.put", "kv.scan", "kv.add");
    assertThat(module.exports())
        .contains(
            "memory", "alloc", "dealloc", "greet", "summarize", "echo", "echo_bytes", "echo_sample", "noop",
            "collect", "lookup", "store", "count")
        .doesNotContain("_start", "_initialize");
  }

  /** The shell REPL needs only stdio and exit from WASI (it defines the environment functions itself). */
  @Test
  void shellReplImportsTheShellModuleAndOnlyStdioAndExitFromWasi() {
    WasmSections module = WasmSections.parse(SamplePlugins.bytes("shell-repl.wasm"));

    assertThat(module.imports())
        .containsExactlyInAnyOrder(
            "shell.add", "shell.sum", "shell.set", "shell.get", "wasi_snapshot_preview1.fd_read",
            "wasi_snapshot_preview1.fd_write", "wasi_snapshot_preview1.proc_exit");
    assertThat(module.exports()).contains("_start", "memory", "alloc", "dealloc");
  }

  @Test
  void kernelsImportNothingAndExportTheKernels() {
    WasmSections module = WasmSections.parse(SamplePlugins.bytes("kernels.wasm"));

    assertThat(module.imports()).isEmpty();
    assertThat(module.exports())
        .containsExactlyInAnyOrder("memory", "sha256_1mib", "sieve", "matmul", "fib", "quicksort");
  }

  @Test
  void wasiProgramsExportStartAndMemoryAndImportOnlyWasiPreview1() {
    for (String name :
        List.of(
            "echo-shell.wasm",
            "sizer.wasm",
            "wasi-check-c.wasm",
            "wasi-check-rust.wasm",
            "wasi-sockets.wasm",
            "wasi-tenant.wasm",
            "fixtures/wasi-hello.wasm",
            "fixtures/exit-code.wasm")) {
      WasmSections module = WasmSections.parse(SamplePlugins.bytes(name));

      assertThat(module.exports()).as("exports of %s", name).contains("_start", "memory");
      assertThat(module.imports())
          .as("imports of %s", name)
          .isNotEmpty()
          .allMatch(i -> i.startsWith("wasi_snapshot_preview1."));
    }
  }

  /**
   * The C probe imports every WASI preview 1 function but proc_raise and the sockets, which only
   * wasi-sockets.wasm imports (a host may refuse to load a module that does).
   */
  @Test
  void wasiProbesTogetherImportEveryPreview1FunctionAndOnlyWasiSocketsImportsSockets() {
    List<String> sockets =
        List.of("sock_accept", "sock_recv", "sock_send", "sock_shutdown").stream()
            .map(f -> "wasi_snapshot_preview1." + f)
            .toList();
    List<String> checkC = WasmSections.parse(SamplePlugins.bytes("wasi-check-c.wasm")).imports();
    List<String> checkRust = WasmSections.parse(SamplePlugins.bytes("wasi-check-rust.wasm")).imports();
    List<String> socketsModule = WasmSections.parse(SamplePlugins.bytes("wasi-sockets.wasm")).imports();

    assertThat(checkC).hasSize(41).doesNotContainAnyElementsOf(sockets);
    assertThat(checkRust).doesNotContainAnyElementsOf(sockets);
    assertThat(socketsModule).containsAll(sockets);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "fixtures/add.wasm                | add,noop,memory,add64,addf |",
        "fixtures/loop.wasm               | spin,noop                  |",
        "fixtures/memory-bomb.wasm        | bomb,pages,grow,trap,memory |",
        "fixtures/recursion.wasm          | recurse,noop               |",
        "fixtures/host-call.wasm          | callFail,noop              | host.fail",
        "fixtures/ungranted.wasm          | noop                       | wasi_snapshot_preview1.sock_accept,env.secret_key,host.hello",
        "fixtures/traps.wasm              | div0,oob,unreachable,memory |",
        "fixtures/start-trap.wasm         | noop                       |",
        "fixtures/start-loop.wasm         | noop                       |",
        "fixtures/big-initial-memory.wasm | noop,memory                |",
        "fixtures/wasi-hello.wasm         | _start,memory              | wasi_snapshot_preview1.fd_write",
        "fixtures/exit-code.wasm          | _start,memory              | wasi_snapshot_preview1.proc_exit",
        "fixtures/wasi-unstable.wasm      | _start,seek_stdout,stat_stdin,filetype,memory | wasi_unstable.fd_write,wasi_unstable.fd_seek,wasi_unstable.fd_filestat_get,wasi_unstable.proc_exit",
        "fixtures/wasi-unknown.wasm       | noop | wasi_unstable.sock_accept,wasi_snapshot_preview1.fd_teleport",
        "fixtures/wasi-io.wasm            | write1,open,read64k,memory | wasi_snapshot_preview1.fd_write,wasi_snapshot_preview1.fd_read,wasi_snapshot_preview1.fd_seek,wasi_snapshot_preview1.path_open",
        "fixtures/wasi-hostile.wasm       | iovs_past_end,buffer_past_end,wrapping_length,random_past_end,args_past_end,bad_clock,close_unknown,socket_on_stdin,write_ok,random16,poll_too_many,sleep_an_hour,memory | wasi_snapshot_preview1.fd_write,wasi_snapshot_preview1.random_get,wasi_snapshot_preview1.args_get,wasi_snapshot_preview1.clock_time_get,wasi_snapshot_preview1.fd_close,wasi_snapshot_preview1.poll_oneoff,wasi_snapshot_preview1.sock_recv"
      })
  void fixturesHaveTheirDocumentedExportsAndImports(
      String name, String exports, String imports) {
    WasmSections module = WasmSections.parse(SamplePlugins.bytes(name));

    assertThat(module.exports()).containsExactlyInAnyOrder(exports.split(","));
    if (imports == null) {
      assertThat(module.imports()).isEmpty();
    } else {
      assertThat(module.imports()).containsExactly(imports.split(","));
    }
  }

  @Test
  void bytesOfAMissingResourceNamesItAndTheAvailableOnes() {
    assertThatThrownBy(() -> SamplePlugins.bytes("fixtures/nope.wasm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dev/terrarium/samples/fixtures/nope.wasm")
        .hasMessageContaining("hello.wasm")
        .hasMessageContaining("fixtures/loop.wasm");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/hello.wasm", "../samples/hello.wasm", "fixtures/", "a\\b.wasm"})
  void bytesRejectsNamesThatAreNotRelativeResourcePaths(String name) {
    assertThatThrownBy(() -> SamplePlugins.bytes(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid sample plugin name");
  }

  @Test
  void bytesReturnsAFreshCopyEachTime() {
    byte[] first = SamplePlugins.bytes("hello.wasm");
    first[0] = 42;

    assertThat(SamplePlugins.bytes("hello.wasm")[0]).isEqualTo((byte) 0);
  }

  @Test
  void copyToWritesTheModuleUnderItsFileNameAndCreatesTheDirectory(@TempDir Path tmp)
      throws Exception {
    Path dir = tmp.resolve("plugins/nested");

    Path written = SamplePlugins.copyTo("fixtures/loop.wasm", dir);

    assertThat(written).isEqualTo(dir.resolve("loop.wasm"));
    assertThat(Files.readAllBytes(written)).isEqualTo(SamplePlugins.bytes("fixtures/loop.wasm"));
  }

  @Test
  void copyToReplacesAnExistingFile(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("hello.wasm"), "old");

    Path written = SamplePlugins.copyTo("hello.wasm", tmp);

    assertThat(Files.readAllBytes(written)).isEqualTo(SamplePlugins.bytes("hello.wasm"));
  }
}
