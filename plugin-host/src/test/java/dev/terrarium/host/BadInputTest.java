package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.HostFunctionException;
import dev.terrarium.api.ManifestException;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasmType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad values given to the API are refused with a message naming them; the host keeps working. */
class BadInputTest {
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
  void builder_refusesBadValues() {
    var builder = PluginHost.builder().hostFunction("m", "f", List.of(), List.of(), (ctx, args) -> null);
    assertThatThrownBy(() -> builder.hostFunction("m", "f", List.of(), List.of(), (ctx, args) -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host function m.f was already registered");
    assertThatThrownBy(() -> builder.cacheMaximumBytes(-1))
        .hasMessage("cache maximum bytes must not be negative, was -1");
    assertThatThrownBy(() -> builder.hostImports(Runnable.class, () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an interface annotated @HostImports");
    assertThatThrownBy(
            () -> new HostFunctionDefinition("wasi_snapshot_preview1", "fd_write", List.of(), List.of(), (c, a) -> null))
        .hasMessageContaining("is reserved for WASI");
    assertHealthy(host);
  }

  @Test
  void limitsManifestsAndOptions_refuseBadValues(@TempDir Path dir) {
    assertThatThrownBy(() -> PluginLimits.builder().maxMemoryPages(0).build())
        .hasMessage("maxMemoryPages must be between 1 and 65536, was 0");
    assertThatThrownBy(() -> PluginLimits.builder().callTimeout(Duration.ofMillis(-1)).build())
        .hasMessageContaining("callTimeout must be positive");
    assertThatThrownBy(() -> PluginLimits.builder().guestStackBytes(1024).build())
        .hasMessage("guestStackBytes must be at least 65536, was 1024");
    assertThatThrownBy(() -> PluginManifest.of("Not Valid", "1")).hasMessageContaining("manifest id 'Not Valid' is not valid");
    assertThatThrownBy(() -> PluginManifest.of("ok", " ")).hasMessage("manifest version must not be blank");
    assertThatThrownBy(() -> Capabilities.builder().mount("", MountMode.READ_ONLY).build())
        .hasMessage(
            "mount guest path must not be empty; use '.' for the working directory or an absolute path such as /data");
    assertThatThrownBy(() -> InstanceOptions.builder().env("A=B", "c"))
        .hasMessage("environment variable name 'A=B' is empty or contains '='");
    assertThatThrownBy(() -> Grants.builder().mount("/data", dir.resolve("missing"), MountMode.READ_WRITE))
        .hasMessageContaining("is not an existing directory");
    assertThatThrownBy(
            () ->
                Grants.builder()
                    .mount("/data", dir, MountMode.READ_WRITE)
                    .mount("/data", dir, MountMode.READ_WRITE)
                    .build())
        .hasMessage("guest path '/data' is mounted twice");
    assertHealthy(host);
  }

  @Test
  void tenant_refusesABlankIdAndAChangedPolicy() {
    try (PluginHost metering = PluginHost.builder().meterFuel().build()) {
      FuelPolicy small = FuelPolicy.per(1_000, Duration.ofMinutes(1));
      Tenant t = metering.tenant("acme", small);
      assertThat(metering.tenant("acme", small)).isSameAs(t);
      assertThatThrownBy(() -> metering.tenant("acme", FuelPolicy.per(5, Duration.ofMinutes(1))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tenant 'acme' already exists with policy");
      assertThatThrownBy(() -> metering.tenant(" ", small)).hasMessage("tenant id must not be blank");
      try (PluginInstance i =
          metering.load(fixture("add"), manifest("add")).instantiate(t, InstanceOptions.defaults())) {
        assertThat(i.call("add", 1, 2)).containsExactly(3);
      }
    }
  }

  @Test
  void wasiImportsThatDoNotExist_areRefusedInOneError() {
    try (PluginHost all = PluginHost.builder().grants(Grants.builder().allWasi().build()).build()) {
      PluginManifest m =
          manifest("unknown", Capabilities.builder().wasi(dev.terrarium.api.WasiCapability.values()).build());
      assertThatThrownBy(() -> all.load(fixture("wasi-unknown"), m))
          .isInstanceOfSatisfying(
              dev.terrarium.api.CapabilityDeniedException.class,
              e ->
                  assertThat(e.denied())
                      .extracting(d -> d.module() + "." + d.name() + ": " + d.remedy())
                      .containsExactly(
                          "wasi_unstable.sock_accept: not a function of wasi_unstable Terrarium knows",
                          "wasi_snapshot_preview1.fd_teleport: not a function of wasi_snapshot_preview1 Terrarium"
                              + " knows"));
      assertHealthy(all);
    }
  }

  @Test
  void wasiAndFileSystemOptions_nameTheBadValue() {
    assertThatThrownBy(() -> PluginHost.builder().tenantFileSystemQuota(-1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant file-system quota must not be negative, was -1 bytes, 10 entries");
    assertThatThrownBy(() -> PluginLimits.builder().maxFuelPerInstance(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxFuelPerInstance must be at least 1, was 0");
    assertThatThrownBy(() -> PluginHost.builder().meterFuel(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> PluginHost.builder().fuelSlice(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fuel slice must be at least 1 unit, was 0");
    assertThatThrownBy(() -> InstanceOptions.builder().wasiTrace(null)).isInstanceOf(NullPointerException.class);
    try (PluginHost all = PluginHost.builder().grants(Grants.builder().allWasi().build()).build()) {
      try (PluginInstance i = all.load(fixture("wasi-hello"), manifest("hi", Capabilities.builder()
          .wasi(dev.terrarium.api.WasiCapability.STDIO).build())).instantiate()) {
        assertThatThrownBy(
                () -> i.wasi().open("x", dev.terrarium.host.fs.ProvidedFiles.bytes(new byte[0]), false, false))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("open 'x' for reading, writing or both");
        assertThat(i.wasi().list()).hasSize(3);
      }
      Tenant t = all.tenant("t");
      all.close();
      assertThatThrownBy(t::fileSystem)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("belongs to a closed host");
    }
    assertHealthy(host);
  }

  @Test
  void load_refusesAPathThatNamesNoFile() {
    assertThatThrownBy(() -> host.load(Path.of("/")))
        .isInstanceOf(PluginLoadException.class)
        .hasMessageContaining("the path / names no file");
    assertHealthy(host);
  }

  @Test
  void load_refusesAnEmbeddedManifestThatPinsAHash() {
    byte[] module = withCustomSection(fixture("add"), PluginManifest.CUSTOM_SECTION,
        "{\"id\":\"pinned\",\"version\":\"1\",\"sha256\":\"" + "a".repeat(64) + "\"}");
    assertThatThrownBy(() -> host.load(module))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("a module cannot contain its own hash");
    assertHealthy(host);
  }

  @Test
  void load_refusesAModuleThatImportsTheFuelModuleOnAMeteringHost() {
    byte[] sneaky = fuelImporter();
    try (PluginHost metering = PluginHost.builder().meterFuel().build()) {
      PluginManifest m = manifest("sneaky", Capabilities.builder().hostModule("terrarium_fuel").build());
      assertThatThrownBy(() -> metering.load(sneaky, m))
          .isInstanceOf(dev.terrarium.api.CapabilityDeniedException.class)
          .hasMessageContaining("function terrarium_fuel.refuel");
      assertThatThrownBy(
              () ->
                  PluginHost.builder()
                      .hostFunction("terrarium_fuel", "refuel", List.of(WasmType.I64), List.of(WasmType.I64), (c, a) -> a))
          .hasMessageContaining("is reserved for Terrarium's own imports");
      Tenant t = metering.tenant("t", FuelPolicy.per(1_000_000, Duration.ofMinutes(1)));
      try (PluginInstance i =
          metering.load(fixture("add"), manifest("add")).instantiate(t, InstanceOptions.defaults())) {
        assertThat(i.call("add", 2, 2)).containsExactly(4);
      }
    }
  }

  @Test
  void memory_ofAModuleWithoutMemoryIsAClearError() {
    try (PluginInstance i = host.load(fixture("recursion"), manifest("r")).instantiate()) {
      assertThatThrownBy(i::memory)
          .isInstanceOf(AbiViolationException.class)
          .hasMessageContaining("the module has no memory");
      assertThat(i.call("noop")).isEmpty();
    }
  }

  @Test
  void hostFunction_returningTheWrongNumberOfResultsFailsTheCall() {
    try (PluginHost wrong =
        PluginHost.builder()
            .hostFunction("host", "fail", List.of(WasmType.I32), List.of(WasmType.I32), (ctx, args) -> new long[0])
            .build()) {
      Plugin p = wrong.load(fixture("host-call"), manifest("c", Capabilities.builder().hostModule("host").build()));
      try (PluginInstance i = p.instantiate()) {
        assertThatThrownBy(() -> i.call("callFail", 1))
            .isInstanceOfSatisfying(
                HostFunctionException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_HOST_FUNCTION))
            .hasMessageContaining("host function returned 0 values, its signature has 1");
      }
      assertHealthy(wrong);
    }
  }

  /** Appends a custom section (valid anywhere after the header). */
  static byte[] withCustomSection(byte[] module, String name, String content) {
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    leb(payload, n.length);
    payload.writeBytes(n);
    payload.writeBytes(content.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(module);
    out.write(0);
    leb(out, payload.size());
    out.writeBytes(payload.toByteArray());
    return out.toByteArray();
  }

  /** A module importing {@code terrarium_fuel.refuel (i64) -> i64} and nothing else. */
  private static byte[] fuelImporter() {
    return new byte[] {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x06, 0x01, 0x60, 0x01, 0x7e, 0x01, 0x7e, // type: (i64) -> i64
      0x02, 0x19, 0x01, // import section, 1 import
      0x0e, 't', 'e', 'r', 'r', 'a', 'r', 'i', 'u', 'm', '_', 'f', 'u', 'e', 'l',
      0x06, 'r', 'e', 'f', 'u', 'e', 'l', 0x00, 0x00
    };
  }

  private static void leb(ByteArrayOutputStream out, int value) {
    do {
      int b = value & 0x7f;
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }
}
