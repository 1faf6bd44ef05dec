package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.MissingImportException;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Regressions for what outside testing found (issue 10): link errors, run(), error prefixes, relative pre-opens. */
class HardeningTest {
  private static final Capabilities STDIO_EXIT =
      Capabilities.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT).build();

  // ---- WASI imports with a signature WASI does not define ------------------------------------------------

  private static final String WRONG_FD_WRITE =
      """
      (module
        (import "wasi_snapshot_preview1" "fd_write" (func (param i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
        (func (export "go") (call 0 (i32.const 1))))
      """;

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void load_refusesWasiImportWithAnotherSignature_namingBothSignatures(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      assertThatThrownBy(() -> host.load(Wat.compile(WRONG_FD_WRITE), manifest("wrong-wasi", STDIO_EXIT)))
          .isInstanceOfSatisfying(
              MissingImportException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.LINK_MISSING);
                assertThat(e.missing())
                    .containsExactly(
                        "function wasi_snapshot_preview1.fd_write with the imported signature (i32) -> ()"
                            + " (WASI preview 1 defines it as (i32, i32, i32, i32) -> (i32))");
              })
          .hasMessageStartingWith("[Terrarium/LINK_MISSING] plugin 'wrong-wasi': the host does not provide")
          .hasMessageEndingWith(MissingImportException.WASI_REMEDY);
      assertThat(host.cacheStats().entries()).as("nothing was compiled").isZero();
      assertHealthy(host);
    }
  }

  @Test
  void load_listsWrongWasiSignaturesAndMissingHostFunctionsTogether() {
    String both =
        """
        (module
          (import "host" "absent" (func (param i64)))
          (import "wasi_snapshot_preview1" "proc_exit" (func (param i64))))
        """;
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build()) {
      PluginManifest m =
          manifest(
              "both",
              Capabilities.builder().wasi(WasiCapability.EXIT).hostModule("host").build());
      assertThatThrownBy(() -> host.load(Wat.compile(both), m))
          .isInstanceOfSatisfying(
              MissingImportException.class,
              e ->
                  assertThat(e.missing())
                      .containsExactly(
                          "function host.absent (i64) -> ()",
                          "function wasi_snapshot_preview1.proc_exit with the imported signature (i64) -> ()"
                              + " (WASI preview 1 defines it as (i32) -> ())"))
          .hasMessageContaining(MissingImportException.REGISTER_REMEDY)
          .hasMessageContaining(MissingImportException.WASI_REMEDY);
      assertHealthy(host);
    }
  }

  // ---- run() on a _start of the wrong type ---------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"(param i32)", "(result i32)"})
  void run_onStartOfTheWrongType_isBadExportAndTheInstanceStaysUsable(String type) {
    String module =
        "(module (func (export \"_start\") "
            + type
            + (type.contains("result") ? " (i32.const 7)" : "")
            + ") (func (export \"add\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))";
    for (ExecutionMode mode : ExecutionMode.values()) {
      try (PluginHost host = Fixtures.host(mode).build();
          PluginInstance instance = host.load(Wat.compile(module), manifest("odd-start")).instantiate()) {
        assertThatThrownBy(instance::run)
            .isInstanceOf(BadExportException.class)
            .hasMessageStartingWith("[Terrarium/CALL_BAD_EXPORT] plugin 'odd-start':")
            .hasMessageContaining("a WASI command's _start takes no parameters and returns nothing");
        assertThat(instance.usable()).as("CALL_BAD_EXPORT leaves the instance usable").isTrue();
        assertThat(instance.call("add", 40, 2)).containsExactly(42);
      }
    }
  }

  @Test
  void run_withoutStart_isBadExportAndTheInstanceStaysUsable() {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build();
        PluginInstance instance = host.load(fixture("add"), manifest("no-start")).instantiate()) {
      assertThatThrownBy(instance::run).isInstanceOf(BadExportException.class);
      assertThat(instance.call("add", 1, 2)).containsExactly(3);
    }
  }

  // ---- every load failure names the plugin ---------------------------------------------------------------

  private static final byte[] GARBAGE = "this is not wasm".getBytes(StandardCharsets.UTF_8);

  @Test
  void loadFailures_withoutAGivenManifest_nameTheIdTheModuleWouldHave(@TempDir Path dir) throws Exception {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build()) {
      String hash12 = PluginHost.sha256(GARBAGE).substring(0, 12);
      assertLoadFailure(() -> host.load(GARBAGE), ErrorCode.LOAD_MALFORMED, "anonymous-" + hash12);
      assertLoadFailure(
          () -> host.loadWithDefaultManifest(GARBAGE, manifest("by-default")),
          ErrorCode.LOAD_MALFORMED,
          "by-default");
      Path file = dir.resolve("Broken Plugin.wasm");
      Files.write(file, GARBAGE);
      assertLoadFailure(() -> host.load(file), ErrorCode.LOAD_MALFORMED, "broken-plugin");
      assertLoadFailure(
          () -> host.load(dir.resolve("absent.wasm")), ErrorCode.LOAD_IO, "absent");
      Files.writeString(dir.resolve("Broken Plugin.manifest.json"), "{ not json");
      assertLoadFailure(() -> host.load(file), ErrorCode.LOAD_MANIFEST, "broken-plugin");
      assertLoadFailure(
          () -> host.load(new ByteArrayInputStream(GARBAGE), null), ErrorCode.LOAD_MALFORMED, "anonymous-" + hash12);
      assertHealthy(host);
    }
    try (PluginHost small =
        PluginHost.builder().limits(PluginLimits.builder().maxModuleBytes(8).build()).build()) {
      assertLoadFailure(
          () -> small.load(new ByteArrayInputStream(GARBAGE), null), ErrorCode.LOAD_TOO_LARGE, "anonymous");
      assertLoadFailure(
          () -> small.load(GARBAGE), ErrorCode.LOAD_TOO_LARGE, "anonymous-" + PluginHost.sha256(GARBAGE).substring(0, 12));
    }
  }

  @Test
  void meteringRefusal_namesThePlugin() {
    // The rewriter cannot meter exception handling: its refusal used to name no plugin.
    byte[] withTag = Wat.compile("(module (tag $e (param i32)) (func (export \"f\")))", "--enable-exceptions");
    try (PluginHost host = PluginHost.builder().meterFuel().build()) {
      assertLoadFailure(() -> host.load(withTag, manifest("tagged")), ErrorCode.LOAD_UNSUPPORTED, "tagged");
      assertLoadFailure(() -> host.load(withTag), ErrorCode.LOAD_UNSUPPORTED, "anonymous-" + PluginHost.sha256(withTag).substring(0, 12));
      assertHealthyMetered(host);
    }
  }

  private static void assertLoadFailure(Runnable load, ErrorCode code, String id) {
    assertThatThrownBy(load::run)
        .isInstanceOfSatisfying(
            PluginException.class,
            e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.pluginId()).isEqualTo(id);
            })
        .hasMessageStartingWith(code.tag() + " plugin '" + id + "': ");
  }

  private static void assertHealthyMetered(PluginHost host) {
    Tenant tenant = host.tenant("t");
    try (PluginInstance i =
        host.load(fixture("add"), manifest("good")).instantiate(tenant, InstanceOptions.defaults())) {
      assertThat(i.call("add", 40, 2)).containsExactly(42);
    }
  }

  // ---- relative pre-opened directories -------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void relativePreopen_dotIsTheWorkingDirectory(ExecutionMode mode, @TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("b.txt"), "abc");
    Files.createDirectory(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub").resolve("c.txt"), "12345");
    try (PluginHost host =
        PluginHost.builder()
            .executionMode(mode)
            .grants(
                Grants.builder()
                    .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
                    .mount(".", dir, MountMode.READ_ONLY)
                    .build())
            .build()) {
      PluginManifest m =
          PluginManifest.of("sizer", "1.0.0")
              .withCapabilities(
                  Capabilities.builder()
                      .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
                      .mount(".", MountMode.READ_ONLY)
                      .build());
      Plugin sizer = host.load(Fixtures.bytes("sizer.wasm"), m);
      assertThat(run(sizer, InstanceOptions.builder().args("."))).isEqualTo("3\tb.txt\n");
      assertThat(run(sizer, InstanceOptions.builder().args("sub"))).isEqualTo("5\tc.txt\n");
      // A relative name other than '.' through InstanceOptions: 'data' resolves 'data/...' paths.
      dev.terrarium.host.fs.MemoryFileSystem fs = dev.terrarium.host.fs.MemoryFileSystem.create();
      Files.writeString(fs.path("/x.txt"), "xy");
      assertThat(run(sizer, InstanceOptions.builder().args("data").mount("data", fs.root(), MountMode.READ_ONLY)))
          .isEqualTo("2\tx.txt\n");
    }
  }

  private static String run(Plugin plugin, InstanceOptions.Builder options) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PluginInstance i = plugin.instantiate(options.stdout(out).stderr(err).build())) {
      assertThat(i.run()).as(err.toString(StandardCharsets.UTF_8)).isZero();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a\0b"})
  void guestPaths_emptyOrWithNul_areRefusedEverywhere(String bad, @TempDir Path dir) {
    assertThatThrownBy(() -> new MountRequest(bad, MountMode.READ_ONLY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mount guest path must not");
    assertThatThrownBy(() -> new Mount(bad, dir, MountMode.READ_ONLY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mount guest path must not");
    assertThatThrownBy(
            () ->
                InstanceOptions.builder()
                    .mount(bad, dev.terrarium.host.fs.MemoryFileSystem.create().root(), MountMode.READ_ONLY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("mount guest path must not");
  }

  @Test
  void guestPaths_longerThan4096Bytes_areRefused(@TempDir Path dir) {
    String tooLong = "é".repeat(2049);
    assertThatThrownBy(() -> new Mount(tooLong, dir, MountMode.READ_ONLY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mount guest path must be at most 4096 bytes in UTF-8, was 4098");
    assertThat(new Mount("é".repeat(2048), dir, MountMode.READ_ONLY).guestPath()).hasSize(2048);
  }
}
