package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.CapabilityDeniedException;
import dev.terrarium.api.DeniedImport;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.HashMismatchException;
import dev.terrarium.api.InvalidModuleException;
import dev.terrarium.api.MalformedModuleException;
import dev.terrarium.api.ManifestException;
import dev.terrarium.api.MissingImportException;
import dev.terrarium.api.ModuleTooLargeException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadingTest {
  private PluginHost host;

  @BeforeEach
  void setUp() {
    host = Fixtures.host(ExecutionMode.COMPILER).build();
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  @Test
  void load_rejectsGarbageBytesAsMalformed() {
    assertThatThrownBy(() -> host.load(fixture("garbage"), manifest("garbage")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageStartingWith("[Terrarium/LOAD_MALFORMED] plugin 'garbage': the module is not a well-formed")
        .hasMessageContaining("does not start with the WebAssembly magic \\0asm (it starts with 'this')")
        .hasMessageContaining("Check that the file is a .wasm module");
    assertThat(host.cacheStats().entries()).isZero();
    assertHealthy(host);
  }

  @Test
  void load_rejectsTruncatedModuleAsMalformed() {
    assertThatThrownBy(() -> host.load(fixture("truncated"), manifest("truncated")))
        .isInstanceOf(MalformedModuleException.class)
        .extracting(e -> ((PluginLoadException) e).code())
        .isEqualTo(ErrorCode.LOAD_MALFORMED);
    assertHealthy(host);
  }

  @Test
  void load_rejectsEmptyInput() {
    assertThatThrownBy(() -> host.load(new byte[0], manifest("empty")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("the module is empty (0 bytes)");
    assertThatThrownBy(() -> host.load(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}, manifest("future")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("version is not 1");
    assertHealthy(host);
  }

  @Test
  void load_rejectsModuleThatDoesNotValidate() {
    // (module (func (result i32) i64.const 0)) -- an i64 where the type says i32.
    byte[] invalid = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type section: () -> i32
      0x03, 0x02, 0x01, 0x00, // function section
      0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b // code: i64.const 0; end
    };
    assertThatThrownBy(() -> host.load(invalid, manifest("invalid")))
        .isInstanceOf(InvalidModuleException.class)
        .hasMessageStartingWith("[Terrarium/LOAD_INVALID] plugin 'invalid': the module does not validate");
    assertHealthy(host);
  }

  @Test
  void load_rejectsModuleWhoseHashDiffers() {
    String wrong = "0".repeat(64);
    byte[] add = fixture("add");
    assertThatThrownBy(() -> host.load(add, manifest("pinned").withSha256(wrong)))
        .isInstanceOfSatisfying(
            HashMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(wrong);
              assertThat(e.actual()).isEqualTo(PluginHost.sha256(add));
            })
        .hasMessageContaining("the manifest pins " + wrong);
    assertThat(host.load(add, manifest("pinned").withSha256(PluginHost.sha256(add))).sha256())
        .isEqualTo(PluginHost.sha256(add));
  }

  @Test
  void load_rejectsModuleLargerThanTheLimit() {
    try (PluginHost small =
        PluginHost.builder().limits(PluginLimits.builder().maxModuleBytes(16).build()).build()) {
      assertThatThrownBy(() -> small.load(fixture("add"), manifest("big")))
          .isInstanceOf(ModuleTooLargeException.class)
          .hasMessageContaining("over the limit of 16 bytes");
      assertThatThrownBy(() -> small.load(new ByteArrayInputStream(fixture("add")), manifest("big")))
          .isInstanceOf(ModuleTooLargeException.class);
    }
    assertHealthy(host);
  }

  @Test
  void load_manifestCanLowerTheModuleSizeLimit() {
    PluginManifest m = manifest("tiny").withLimits(PluginLimits.builder().maxModuleBytes(10).build());
    assertThatThrownBy(() -> host.load(fixture("add"), m)).isInstanceOf(ModuleTooLargeException.class);
  }

  @Test
  void load_deniesEveryUngrantedImportInOneError() {
    assertThatThrownBy(() -> host.load(fixture("ungranted"), manifest("ungranted")))
        .isInstanceOfSatisfying(
            CapabilityDeniedException.class,
            e -> {
              assertThat(e.denied())
                  .extracting(DeniedImport::module, DeniedImport::name)
                  .containsExactly(
                      org.assertj.core.groups.Tuple.tuple("wasi_snapshot_preview1", "sock_accept"),
                      org.assertj.core.groups.Tuple.tuple("env", "secret_key"),
                      org.assertj.core.groups.Tuple.tuple("host", "hello"));
              assertThat(e.denied().get(0).remedy()).contains("WASI capability \"stdio\"");
              assertThat(e.denied().get(1).remedy())
                  .isEqualTo("needs host module \"env\": grant it in the host and request it in the manifest");
              assertThat(e.denied().get(2).remedy())
                  .isEqualTo("needs host module \"host\": the host grants it but the manifest does not request it");
            })
        .hasMessageStartingWith("[Terrarium/LINK_DENIED] plugin 'ungranted': the module imports 3 things");
    assertHealthy(host);
  }

  @Test
  void load_deniesWasiGroupTheManifestDoesNotRequest() {
    // wasi-hello imports fd_write (stdio); the host grants stdio but the manifest asks for nothing.
    assertThatThrownBy(() -> host.load(fixture("wasi-hello"), manifest("quiet")))
        .isInstanceOf(CapabilityDeniedException.class)
        .hasMessageContaining("function wasi_snapshot_preview1.fd_write")
        .hasMessageContaining("needs WASI capability \"stdio\": the host grants it but the manifest does not request it");
  }

  @Test
  void load_deniesWasiGroupTheHostDoesNotGrant() {
    try (PluginHost strict = PluginHost.builder().build()) {
      PluginManifest m =
          manifest("hello", Capabilities.builder().wasi(WasiCapability.STDIO).build());
      assertThatThrownBy(() -> strict.load(fixture("wasi-hello"), m))
          .isInstanceOf(CapabilityDeniedException.class)
          .hasMessageContaining("the manifest requests it but the host does not grant it");
    }
  }

  @Test
  void load_reportsHostFunctionsTheHostDoesNotDefine() {
    try (PluginHost other =
        PluginHost.builder()
            .hostFunction("host", "other", List.of(), List.of(), (ctx, args) -> null)
            .build()) {
      PluginManifest m = manifest("caller", Capabilities.builder().hostModule("host").build());
      assertThatThrownBy(() -> other.load(fixture("host-call"), m))
          .isInstanceOfSatisfying(
              MissingImportException.class,
              e -> assertThat(e.missing()).containsExactly("function host.fail (i32) -> (i32)"))
          .hasMessageStartingWith("[Terrarium/LINK_MISSING] plugin 'caller': the host does not provide");
    }
  }

  @Test
  void load_reportsHostFunctionWithAnotherSignature() {
    try (PluginHost other =
        PluginHost.builder()
            .hostFunction("host", "fail", List.of(WasmType.I64), List.of(), (ctx, args) -> null)
            .build()) {
      PluginManifest m = manifest("caller", Capabilities.builder().hostModule("host").build());
      assertThatThrownBy(() -> other.load(fixture("host-call"), m))
          .isInstanceOf(MissingImportException.class)
          .hasMessageContaining("imported signature (i32) -> (i32) (the host defines (i64) -> ())");
    }
  }

  @Test
  void load_compilesTheSameBytesOnce() {
    Plugin a = host.load(fixture("add"), manifest("a"));
    Plugin b = host.load(fixture("add"), manifest("b"));
    CacheStats stats = host.cacheStats();
    assertThat(stats.compilations()).isEqualTo(1);
    assertThat(stats.hits()).isEqualTo(1);
    assertThat(stats.misses()).isEqualTo(1);
    assertThat(stats.weightBytes())
        .as("a compiled module weighs its generated classes and parsed form, not just its bytes")
        .isGreaterThan(10L * fixture("add").length);
    assertThat(a.id()).isEqualTo("a");
    assertThat(b.id()).isEqualTo("b");
    assertThat(a.compiled()).isTrue();
  }

  @Test
  void load_compilesOnceUnderConcurrentLoads() throws Exception {
    byte[] bytes = Fixtures.bytes("sizer.wasm");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (PluginHost h =
        PluginHost.builder()
            .grants(
                Grants.builder()
                    .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
                    .build())
            .moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT))
            .build()) {
      List<Callable<Plugin>> tasks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        tasks.add(() -> h.load(bytes));
      }
      for (Future<Plugin> f : pool.invokeAll(tasks)) {
        assertThat(f.get().id()).isEqualTo("sizer");
      }
      assertThat(h.cacheStats().compilations()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void load_keysTheCacheByExecutionMode() {
    try (PluginHost interpreter = Fixtures.host(ExecutionMode.INTERPRETER).build()) {
      Plugin p = interpreter.load(fixture("add"), manifest("add"));
      assertThat(p.compiled()).isFalse();
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.call("add", 2, 3)).containsExactly(5);
      }
    }
  }

  @Test
  void load_readsTheEmbeddedManifest() {
    Plugin hello =
        PluginHost.builder()
            .hostFunction("host", "hello", List.of(WasmType.I32), List.of(), (ctx, args) -> null)
            .build()
            .load(Fixtures.bytes("hello.wasm"));
    assertThat(hello.id()).isEqualTo("hello");
    assertThat(hello.version()).isEqualTo("1.0.0");
    assertThat(hello.grants().hostModules()).containsExactly("host");
  }

  @Test
  void load_usesAnAnonymousManifestThatRequestsNothing(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("My Adder.wasm");
    Files.write(file, fixture("add"));
    Plugin p = host.load(file);
    assertThat(p.id()).isEqualTo("my-adder");
    Path odd = dir.resolve("_adder.wasm");
    Files.write(odd, fixture("add"));
    assertThat(host.load(odd).id()).isEqualTo("module-_adder");
    assertThat(p.grants().wasi()).isEmpty();
    assertThatThrownBy(() -> host.load(fixture("wasi-hello")))
        .isInstanceOf(CapabilityDeniedException.class)
        .hasMessageContaining("plugin 'anonymous-");
  }

  @Test
  void loadWithDefaultManifest_prefersTheEmbeddedOneAndChecksAPinnedFallback() {
    PluginManifest fallback =
        manifest("fallback", Capabilities.builder().wasi(WasiCapability.STDIO).build());
    assertThat(host.loadWithDefaultManifest(Fixtures.bytes("echo-shell.wasm"), fallback).id())
        .isEqualTo("echo-shell");
    Plugin hello = host.loadWithDefaultManifest(fixture("wasi-hello"), fallback);
    assertThat(hello.manifest()).isSameAs(fallback);
    assertThat(hello.grants().wasi()).containsExactly(WasiCapability.STDIO);
    assertThatThrownBy(
            () -> host.loadWithDefaultManifest(fixture("wasi-hello"), fallback.withSha256("1".repeat(64))))
        .isInstanceOf(HashMismatchException.class)
        .hasMessageContaining("the manifest pins " + "1".repeat(64));
    assertHealthy(host);
  }

  @Test
  void load_readsTheManifestBesideTheModule(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("greeter.wasm");
    Files.write(file, fixture("wasi-hello"));
    Files.writeString(
        dir.resolve("greeter.manifest.json"),
        """
        {"id": "greeter", "version": "2.1.0",
         "capabilities": {"wasi": ["stdio"]},
         "limits": {"maxMemoryPages": 8, "callTimeout": "PT5S"}}
        """);
    Plugin p = host.load(file);
    assertThat(p.id()).isEqualTo("greeter");
    assertThat(p.limits().maxMemoryPages()).isEqualTo(8);
    assertThat(p.limits().callTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.grants().wasi()).containsExactly(WasiCapability.STDIO);
  }

  @Test
  void load_manifestCannotRaiseTheHostLimits() {
    try (PluginHost h =
        PluginHost.builder()
            .limits(PluginLimits.builder().maxMemoryPages(16).callTimeout(Duration.ofSeconds(1)).build())
            .build()) {
      PluginManifest greedy =
          manifest("greedy")
              .withLimits(
                  PluginLimits.builder().maxMemoryPages(65536).callTimeout(Duration.ofHours(1)).build());
      Plugin p = h.load(fixture("add"), greedy);
      assertThat(p.limits().maxMemoryPages()).isEqualTo(16);
      assertThat(p.limits().callTimeout()).isEqualTo(Duration.ofSeconds(1));
      PluginManifest modest = manifest("modest").withLimits(PluginLimits.builder().maxMemoryPages(2).build());
      assertThat(h.load(fixture("add"), modest).limits().maxMemoryPages()).isEqualTo(2);
    }
  }

  @Test
  void load_rejectsManifestWithUnknownField(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("typo.wasm");
    Files.write(file, fixture("add"));
    Files.writeString(
        dir.resolve("typo.manifest.json"),
        "{\"id\": \"typo\", \"version\": \"1\", \"limits\": {\"maxMemoryPagez\": 8}}");
    assertThatThrownBy(() -> host.load(file))
        .isInstanceOf(ManifestException.class)
        .hasMessageStartingWith("[Terrarium/LOAD_MANIFEST]")
        .hasMessageContaining("maxMemoryPagez");
    assertHealthy(host);
  }

  @Test
  void load_refusesTheStricterManifestMistakes_andStaysHealthy(@TempDir Path dir) throws Exception {
    // A field given twice, in a file beside the module: the reviewer of the first would not see what applies.
    Path file = dir.resolve("twice.wasm");
    Files.write(file, fixture("add"));
    Files.writeString(
        dir.resolve("twice.manifest.json"),
        "{\"id\": \"twice\", \"version\": \"1\", \"limits\": {\"maxMemoryPages\": 1},\n"
            + " \"limits\": {\"maxMemoryPages\": 65536}}");
    assertThatThrownBy(() -> host.load(file))
        .isInstanceOf(ManifestException.class)
        .hasMessageStartingWith("[Terrarium/LOAD_MANIFEST]")
        .hasMessageContaining("Duplicate field 'limits'")
        .hasMessageContaining("(line 2, column");
    assertHealthy(host);
    // A limit written as a string, and text after the object, embedded in the module.
    byte[] quoted =
        BadInputTest.withCustomSection(
            fixture("add"), PluginManifest.CUSTOM_SECTION,
            "{\"id\":\"quoted\",\"version\":\"1\",\"limits\":{\"maxMemoryPages\":\"64\"}}");
    assertThatThrownBy(() -> host.load(quoted))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("the manifest in the module's custom section is not valid: maxMemoryPages must be an"
            + " integer, was a string");
    byte[] trailing =
        BadInputTest.withCustomSection(
            fixture("add"), PluginManifest.CUSTOM_SECTION, "{\"id\":\"t\",\"version\":\"1\"}{}");
    assertThatThrownBy(() -> host.load(trailing))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("there is more after the manifest object");
    assertHealthy(host);
    try (PluginInstance i = host.load(fixture("add"), manifest("after")).instantiate()) {
      assertThat(i.call("add", 2, 3)).containsExactly(5);
    }
  }

  @Test
  void load_rejectsManifestWithBadValues() {
    assertThatThrownBy(() -> Manifests.parse("{\"id\": \"Bad Id\", \"version\": \"1\"}", "test"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("manifest id 'Bad Id' is not valid");
    assertThatThrownBy(() -> Manifests.parse("{\"id\": \"x\", \"version\": \"1\", \"sha256\": \"abc\"}", "test"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("sha256 must be 64 hexadecimal digits");
    assertThatThrownBy(() -> Manifests.parse("{\"id\": \"x\"", "test"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("is not JSON");
    assertThatThrownBy(
            () ->
                Manifests.parse(
                    "{\"id\": \"x\", \"version\": \"1\", \"capabilities\": {\"wasi\": [\"sockets\"]}}", "test"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("sockets");
  }

  @Test
  void manifest_roundTripsThroughJson() {
    PluginManifest m =
        manifest("round", Capabilities.builder().hostModule("kv").wasi(WasiCapability.CLOCKS).build())
            .withLimits(PluginLimits.builder().callTimeout(Duration.ofMillis(1500)).maxMemoryPages(3).build());
    assertThat(Manifests.parse(Manifests.toJson(m), "json")).isEqualTo(m);
  }

  @Test
  void load_readsFromAStream() {
    Plugin p = host.load(new ByteArrayInputStream(fixture("add")), manifest("streamed"));
    try (PluginInstance i = p.instantiate()) {
      assertThat(i.call("add", 1, 2)).containsExactly(3);
    }
  }

  @Test
  void load_reportsAMissingFile(@TempDir Path dir) {
    assertThatThrownBy(() -> host.load(dir.resolve("nope.wasm")))
        .isInstanceOf(PluginLoadException.class)
        .hasMessageContaining("does not exist")
        .extracting(e -> ((PluginLoadException) e).code())
        .isEqualTo(ErrorCode.LOAD_IO);
  }

  @Test
  void inspect_describesImportsExportsAndManifest() {
    ModuleDescription d = PluginHost.inspect(Fixtures.bytes("hello.wasm"));
    assertThat(d.imports()).extracting(ImportDescription::toString).containsExactly("function host.hello (i32) -> ()");
    assertThat(d.exports()).extracting(ExportDescription::name).contains("hello", "memory");
    assertThat(d.embeddedManifest()).hasValueSatisfying(json -> assertThat(json).contains("\"id\":\"hello\""));
    assertThat(d.sha256()).hasSize(64);
  }
}
