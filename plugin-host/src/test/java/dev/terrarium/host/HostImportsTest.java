package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.manifest;
import static dev.terrarium.host.metering.Meter.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.CapabilityDeniedException;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.HostFunctionException;
import dev.terrarium.api.MissingImportException;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasmType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Imported memories, host globals and tables, exported globals, and references across the low-level API. */
class HostImportsTest {
  @TempDir Path dir;

  private static final String IMPORTED_MEMORY =
      """
      (module
        (import "env" "memory" (memory 1 4))
        (data (i32.const 0) "hi")
        (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
        (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
        (func (export "size") (result i32) (memory.size)))
      """;

  private static PluginHost.Builder builder(ExecutionMode mode) {
    return PluginHost.builder().executionMode(mode);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void importedMemory_isAFreshPrivateMemoryPerInstance(ExecutionMode mode) {
    try (PluginHost host = builder(mode).build()) {
      Plugin plugin = host.load(wat(dir, IMPORTED_MEMORY), manifest("imported-memory"));
      assertThat(plugin.description().initialMemoryPages()).isEqualTo(1);
      assertThat(plugin.description().imports()).extracting(ImportDescription::toString)
          .containsExactly("memory env.memory 1..4");
      try (PluginInstance a = plugin.instantiate();
          PluginInstance b = plugin.instantiate()) {
        assertThat(a.call("load", 0)).containsExactly('h');
        a.call("store", 0, 'X');
        assertThat(a.call("load", 0)).containsExactly('X');
        assertThat(b.call("load", 0)).containsExactly('h');
        assertThat(a.memory().readUtf8(0, 2)).isEqualTo("Xi");
        assertThat(a.memoryPages()).isEqualTo(1);
      }
    }
  }

  /** A C plugin linked with {@code wasm-ld --import-memory}, as toolchains that share memory produce. */
  private byte[] cPluginWithImportedMemory() throws Exception {
    Path source = dir.resolve("im.c");
    java.nio.file.Files.writeString(
        source,
        """
        static char buffer[64];
        __attribute__((export_name("fill"))) int fill(int n) {
          for (int i = 0; i < n && i < 64; i++) buffer[i] = (char)('a' + i % 26);
          int sum = 0;
          for (int i = 0; i < n && i < 64; i++) sum += buffer[i];
          return sum;
        }
        """);
    Path out = dir.resolve("im.wasm");
    Process p =
        new ProcessBuilder(
                "clang", "--target=wasm32", "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--import-memory", "-o",
                out.toString(), source.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("clang: " + log).isZero();
    return java.nio.file.Files.readAllBytes(out);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void importedMemory_aCPluginLinkedWithImportMemoryLoadsAndRuns(ExecutionMode mode) throws Exception {
    try (PluginHost host = builder(mode).build();
        PluginInstance i = host.load(cPluginWithImportedMemory(), manifest("c-import-memory")).instantiate()) {
      assertThat(i.plugin().description().imports()).extracting(ImportDescription::kind).containsExactly("memory");
      assertThat(i.call("fill", 3)).containsExactly('a' + 'b' + 'c');
      assertThat(i.memoryPages()).isEqualTo(i.plugin().description().initialMemoryPages()).isPositive();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void importedMemory_growsOnlyUpToTheMemoryLimit(ExecutionMode mode) {
    try (PluginHost host = builder(mode).limits(PluginLimits.builder().maxMemoryPages(2).build()).build();
        PluginInstance i = host.load(wat(dir, IMPORTED_MEMORY), manifest("imported-memory")).instantiate()) {
      assertThat(i.call("grow", 1)).containsExactly(1);
      assertThat(i.call("grow", 1)).containsExactly(-1);
      assertThat(i.call("size")).containsExactly(2);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void importedMemory_aboveTheLimitIsRefusedClearly(ExecutionMode mode) {
    byte[] big = wat(dir, "(module (import \"env\" \"memory\" (memory 10)))");
    try (PluginHost host = builder(mode).limits(PluginLimits.builder().maxMemoryPages(4).build()).build()) {
      Plugin plugin = host.load(big, manifest("big-memory"));
      assertThatThrownBy(plugin::instantiate)
          .isInstanceOfSatisfying(
              PluginInstantiationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INSTANTIATE_MEMORY_LIMIT))
          .hasMessageContaining("needs 10 pages of memory to start, more than its limit of 4 pages");
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void importedMemory_sharedOrASecondOneIsDenied(ExecutionMode mode) {
    byte[] shared =
        wat(dir, "(module (import \"env\" \"memory\" (memory 1 2 shared)))", "--enable-threads");
    try (PluginHost host = builder(mode).build()) {
      // The validation pass refuses it before any import is checked: threads are a feature this host lacks.
      assertThatThrownBy(() -> host.load(shared, manifest("shared")))
          .isInstanceOfSatisfying(
              dev.terrarium.api.PluginLoadException.class,
              e -> assertThat(e.code()).isEqualTo(dev.terrarium.api.ErrorCode.LOAD_UNSUPPORTED))
          .hasMessageContaining("shared memory (threads)");
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void importsOtherThanFunctions_workOnAHostThatMetersFuel(ExecutionMode mode) {
    try (PluginHost host =
        builder(mode)
            .meterFuel()
            .hostGlobal("cfg", "base", WasmType.I32, 7)
            .mutableHostGlobal("cfg", "counter", WasmType.I64, 100)
            .build()) {
      Tenant t = host.tenant("metered", dev.terrarium.api.FuelPolicy.unlimited());
      try (PluginInstance g =
              host.load(wat(dir, GLOBALS), manifest("globals", CFG)).instantiate(t, InstanceOptions.defaults());
          PluginInstance m =
              host.load(wat(dir, IMPORTED_MEMORY), manifest("imported-memory"))
                  .instantiate(t, InstanceOptions.defaults())) {
        assertThat(g.call("bump")).containsExactly(101);
        assertThat(g.lastCallFuel()).isPositive();
        assertThat(g.global("answer")).isEqualTo(42);
        assertThat(m.call("load", 1)).containsExactly('i');
      }
    }
  }

  private static final String GLOBALS =
      """
      (module
        (import "cfg" "base" (global $base i32))
        (import "cfg" "counter" (global $c (mut i64)))
        (global (export "answer") i32 (i32.const 42))
        (global (export "state") (mut i64) (i64.const 5))
        (global (export "pi") f32 (f32.const 3.5))
        (global (export "negative") i32 (i32.const -3))
        (func (export "base") (result i32) (global.get $base))
        (func (export "bump") (result i64)
          (global.set $c (i64.add (global.get $c) (i64.const 1)))
          (global.get $c)))
      """;

  private static final Capabilities CFG = Capabilities.builder().hostModule("cfg").build();

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hostGlobals_areImportedAndAMutableOneIsPrivateToEachInstance(ExecutionMode mode) {
    try (PluginHost host =
        builder(mode).hostGlobal("cfg", "base", WasmType.I32, 7).mutableHostGlobal("cfg", "counter", WasmType.I64, 100)
            .build()) {
      Plugin plugin = host.load(wat(dir, GLOBALS), manifest("globals", CFG));
      assertThat(plugin.description().imports()).extracting(ImportDescription::toString)
          .containsExactly("global cfg.base i32", "global cfg.counter (mut i64)");
      try (PluginInstance a = plugin.instantiate(host.tenant("alice"), InstanceOptions.defaults());
          PluginInstance b = plugin.instantiate(host.tenant("bob"), InstanceOptions.defaults())) {
        assertThat(a.call("base")).containsExactly(7);
        assertThat(a.call("bump")).containsExactly(101);
        assertThat(a.call("bump")).containsExactly(102);
        assertThat(b.call("bump")).containsExactly(101);
        try (PluginInstance c = plugin.instantiate(host.tenant("alice"), InstanceOptions.defaults())) {
          assertThat(c.call("bump")).containsExactly(101);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hostGlobals_ofAnotherTypeOrMutabilityAreRefusedAtLoadNamingBothTypes(ExecutionMode mode) {
    try (PluginHost host =
        builder(mode).hostGlobal("cfg", "base", WasmType.I64, 7).hostGlobal("cfg", "counter", WasmType.I64, 100)
            .build()) {
      assertThatThrownBy(() -> host.load(wat(dir, GLOBALS), manifest("globals", CFG)))
          .isInstanceOfSatisfying(
              MissingImportException.class,
              e -> assertThat(e.missing())
                  .containsExactly(
                      "global cfg.base of the imported type i32 (the host defines i64)",
                      "global cfg.counter of the imported type (mut i64) (the host defines i64)"));
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hostGlobalsAndTables_missingOnesAreListedTogether(ExecutionMode mode) {
    byte[] module =
        wat(
            dir,
            """
            (module
              (import "cfg" "a" (global i32))
              (import "cfg" "b" (global (mut f64)))
              (import "cfg" "t" (table 2 funcref)))
            """);
    try (PluginHost host = builder(mode).hostGlobal("cfg", "other", WasmType.I32, 1).build()) {
      assertThatThrownBy(() -> host.load(module, manifest("missing", CFG)))
          .isInstanceOfSatisfying(
              MissingImportException.class,
              e -> assertThat(e.missing())
                  .containsExactly("global cfg.a i32", "global cfg.b (mut f64)", "table cfg.t 2.. funcref"));
      assertThatThrownBy(() -> host.load(module, manifest("not-requested")))
          .isInstanceOf(CapabilityDeniedException.class)
          .hasMessageContaining("the host grants it but the manifest does not request it");
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void exportedGlobals_areReadAndMutableOnesSet(ExecutionMode mode) {
    try (PluginHost host =
        builder(mode).hostGlobal("cfg", "base", WasmType.I32, 7).mutableHostGlobal("cfg", "counter", WasmType.I64, 0)
            .build();
        PluginInstance i = host.load(wat(dir, GLOBALS), manifest("globals", CFG)).instantiate()) {
      assertThat(i.global("answer")).isEqualTo(42);
      assertThat(i.globalType("answer")).isEqualTo(WasmType.I32);
      assertThat(i.global("negative")).isEqualTo(-3);
      assertThat(WasmType.F32.decode(i.global("pi"))).isEqualTo(3.5f);
      assertThat(i.global("state")).isEqualTo(5);
      assertThat(i.globalMutable("state")).isTrue();
      i.setGlobal("state", 1L << 40);
      assertThat(i.global("state")).isEqualTo(1L << 40);
      assertThatThrownBy(() -> i.setGlobal("answer", 1))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("the global 'answer' is immutable");
      assertThatThrownBy(() -> i.global("nope"))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("the module has no export named 'nope'. Its global exports are: answer, state, pi,"
              + " negative.");
      assertThatThrownBy(() -> i.global("bump"))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("the export 'bump' is a function, not a global");
      assertThat(i.usable()).isTrue();
      assertThat(i.call("base")).containsExactly(7);
    }
  }

  private static final String REFS =
      """
      (module
        (import "host" "echo" (func $echo (param externref) (result externref)))
        (import "host" "pick" (func $pick (param funcref) (result funcref)))
        (table $t 2 funcref)
        (global $kept (export "kept") (mut externref) (ref.null extern))
        (elem declare func $seven)
        (func $seven (result i32) (i32.const 7))
        (func (export "roundtrip") (param externref) (result externref) (call $echo (local.get 0)))
        (func (export "keep") (param externref) (global.set $kept (local.get 0)))
        (func (export "isNull") (param externref) (result i32) (ref.is_null (local.get 0)))
        (func (export "seven") (result funcref) (ref.func $seven))
        (func (export "callRef") (param funcref) (result i32)
          (table.set $t (i32.const 0) (call $pick (local.get 0)))
          (call_indirect $t (result i32) (i32.const 0))))
      """;

  private static final Capabilities HOST = Capabilities.builder().hostModule("host").build();

  /** What the host functions saw, and a handle they should return instead of their argument (if set). */
  private final List<Object> seen = new ArrayList<>();

  private Long forged;

  private PluginHost refsHost(ExecutionMode mode) {
    return builder(mode)
        .hostFunction(
            "host",
            "echo",
            List.of(WasmType.EXTERNREF),
            List.of(WasmType.EXTERNREF),
            (ctx, args) -> {
              Object o = ctx.externObject(args[0]);
              seen.add(o == null ? "null" : o);
              return new long[] {forged != null ? forged : ctx.externRef(o)};
            })
        .hostFunction(
            "host", "pick", List.of(WasmType.FUNCREF), List.of(WasmType.FUNCREF), (ctx, args) -> args)
        .build();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void externref_roundTripsTheSameObjectThroughAnExportAndAHostFunction(ExecutionMode mode) {
    Object token = new StringBuilder("token");
    try (PluginHost host = refsHost(mode);
        PluginInstance i = host.load(wat(dir, REFS), manifest("refs", HOST)).instantiate()) {
      assertThat(i.plugin().description().exports()).extracting(ExportDescription::toString)
          .contains("function roundtrip (externref) -> (externref)", "function seven () -> (funcref)");
      long handle = i.externRef(token);
      assertThat(i.externRef(token)).isEqualTo(handle);
      long[] back = i.call("roundtrip", handle);
      assertThat(back).containsExactly(handle);
      assertThat(i.externObject(back[0])).isSameAs(token);
      assertThat(seen).containsExactly(token);
      assertThat(i.call("roundtrip", WasmType.NULL_REF)).containsExactly(WasmType.NULL_REF);
      assertThat(i.call("isNull", WasmType.NULL_REF)).containsExactly(1);
      assertThat(i.call("isNull", handle)).containsExactly(0);
      i.call("keep", handle);
      assertThat(i.globalType("kept")).isEqualTo(WasmType.EXTERNREF);
      assertThat(i.externObject(i.global("kept"))).isSameAs(token);
      i.setGlobal("kept", WasmType.NULL_REF);
      assertThat(i.global("kept")).isEqualTo(WasmType.NULL_REF);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void funcref_roundTripsThroughAnExportAndAHostFunction(ExecutionMode mode) {
    try (PluginHost host = refsHost(mode);
        PluginInstance i = host.load(wat(dir, REFS), manifest("refs", HOST)).instantiate()) {
      long seven = i.call("seven")[0];
      assertThat(seven).isNotEqualTo(WasmType.NULL_REF);
      assertThat(i.call("callRef", seven)).containsExactly(7);
      assertThatThrownBy(() -> i.call("callRef", 100_000))
          .isInstanceOf(BadExportException.class)
          .hasMessageContaining("argument 1 100000 is not a funcref of this instance");
      assertThat(i.usable()).isTrue();
      assertThat(i.call("callRef", seven)).containsExactly(7);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void externref_aForgedOrForeignHandleFailsWithATypedError(ExecutionMode mode) {
    try (PluginHost host = refsHost(mode)) {
      Plugin plugin = host.load(wat(dir, REFS), manifest("refs", HOST));
      try (PluginInstance a = plugin.instantiate();
          PluginInstance b = plugin.instantiate()) {
        long ofB = b.externRef("b's object");
        assertThatThrownBy(() -> a.call("roundtrip", ofB))
            .isInstanceOfSatisfying(
                BadExportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_BAD_EXPORT))
            .hasMessageContaining("is not an externref handle of this instance");
        assertThatThrownBy(() -> a.call("roundtrip", 12345)).isInstanceOf(BadExportException.class);
        assertThatThrownBy(() -> a.externObject(ofB)).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.usable()).isTrue();
        assertThat(b.externObject(ofB)).isEqualTo("b's object");

        forged = 0x7777_0000_0001L;
        long mine = a.externRef("a's object");
        assertThatThrownBy(() -> a.call("roundtrip", mine))
            .isInstanceOf(HostFunctionException.class)
            .hasMessageContaining("is not an externref handle of this instance");
      }
      forged = null;
      try (PluginInstance c = plugin.instantiate()) {
        long h = c.externRef("fine");
        assertThat(c.externObject(c.call("roundtrip", h)[0])).isEqualTo("fine");
      }
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hostTables_areFreshPerInstanceAndCountAgainstTheTableLimit(ExecutionMode mode) {
    String source =
        """
        (module
          (import "tbl" "t" (table $t 2 10 funcref))
          (func $nine (result i32) (i32.const 9))
          (elem (table $t) (i32.const 0) func $nine)
          (func (export "size") (result i32) (table.size $t))
          (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
          (func (export "first") (result i32) (call_indirect $t (result i32) (i32.const 0))))
        """;
    Capabilities tbl = Capabilities.builder().hostModule("tbl").build();
    try (PluginHost host =
        builder(mode)
            .hostTable("tbl", "t", WasmType.FUNCREF, 2, 8)
            .limits(PluginLimits.builder().maxTableElements(6).build())
            .build()) {
      Plugin plugin = host.load(wat(dir, source), manifest("tables", tbl));
      try (PluginInstance a = plugin.instantiate();
          PluginInstance b = plugin.instantiate()) {
        assertThat(a.call("first")).containsExactly(9);
        assertThat(a.call("grow", 4)).containsExactly(2);
        assertThat(a.call("grow", 1)).containsExactly(-1); // the table limit, 6
        assertThat(b.call("size")).containsExactly(2);
      }
    }
    try (PluginHost host = builder(mode).hostTable("tbl", "t", WasmType.EXTERNREF, 2, 8).build()) {
      assertThatThrownBy(() -> host.load(wat(dir, source), manifest("tables", tbl)))
          .isInstanceOf(MissingImportException.class)
          .hasMessageContaining("table tbl.t of the imported type 2..10 funcref (the host defines 2..8 externref)");
      assertHealthy(host);
    }
  }
}
