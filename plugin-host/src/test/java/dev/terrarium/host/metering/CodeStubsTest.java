package dev.terrarium.host.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.engine.Engine;
import dev.terrarium.host.engine.ParsedModule;
import dev.terrarium.samples.SamplePlugins;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;

/** Function bodies replaced by stubs, for loads of modules whose code exists as compiled classes. */
class CodeStubsTest {
  private static WasmModule parse(byte[] bytes) {
    return Parser.builder().withValidation(false).build().parse(() -> new java.io.ByteArrayInputStream(bytes));
  }

  @ParameterizedTest
  @ValueSource(strings = {"kernels.wasm", "sizer.wasm", "greeter-rust.wasm", "wasi-check-rust.wasm"})
  void everyBodyButTheKeptOnesIsAStub_andEverythingElseIsUnchanged(String sample) {
    byte[] module = SamplePlugins.bytes(sample);
    byte[] stubbed = CodeStubs.withoutBodies(module, f -> f % 7 == 3);

    WasmModule full = parse(module);
    WasmModule stubs = parse(stubbed);
    int functions = full.codeSection().functionBodies().length;
    assertThat(stubs.codeSection().functionBodies()).hasSize(functions);
    for (int f = 0; f < functions; f++) {
      var body = stubs.codeSection().getFunctionBody(f);
      if (f % 7 == 3) {
        assertThat(body.instructions()).hasSameSizeAs(full.codeSection().getFunctionBody(f).instructions());
        assertThat(body.localTypes()).isEqualTo(full.codeSection().getFunctionBody(f).localTypes());
      } else {
        assertThat(body.instructions()).as("function %d", f).hasSize(1);
        assertThat(body.localTypes()).isEmpty();
      }
    }
    assertThat(stubbed.length).isLessThan(module.length);
    // Only the code section changed: the bytes before it are the same, and so are the sections after it.
    assertThat(Arrays.equals(stubbed, 0, codeSectionStart(module), module, 0, codeSectionStart(module))).isTrue();
    assertThat(stubs.dataSection().dataSegments()).hasSameSizeAs(full.dataSection().dataSegments());
    assertThat(stubs.customSections()).hasSameSizeAs(full.customSections());
    assertThat(CodeStubs.withoutBodies(module, f -> true)).as("keeping everything").isEqualTo(module);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sizer.wasm", "greeter-c.wasm", "greeter-rust.wasm"})
  void aModuleParsedWithoutBodies_isDescribedAsInFull_butCannotBeCompiled(String sample) {
    byte[] module = SamplePlugins.bytes(sample);
    String sha256 = PluginHost.sha256(module);
    ParsedModule full = Engine.parse("full", module, sha256);
    ParsedModule stubs = Engine.parseWithoutBodies("stubs", module, sha256, f -> false);

    assertThat(stubs.description()).isEqualTo(full.description());
    assertThat(stubs.hasBodies()).isFalse();
    assertThat(full.hasBodies()).isTrue();
    Throwable t =
        catchThrowable(() -> stubs.compile("stubs", dev.terrarium.host.ExecutionMode.COMPILER));
    assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("without its function bodies");
  }

  @Test
  void damagedFraming_isALoadError_neverAnotherException() {
    byte[] module = SamplePlugins.bytes("kernels.wasm");
    int malformed = 0;
    for (int cut = 0; cut < module.length; cut++) {
      byte[] truncated = Arrays.copyOf(module, cut);
      Throwable t = catchThrowable(() -> CodeStubs.withoutBodies(truncated, f -> false));
      if (t != null) {
        assertThat(t).as("cut at %d", cut).isInstanceOf(MeteringException.class);
        assertThat(((MeteringException) t).code()).isEqualTo(ErrorCode.LOAD_MALFORMED);
        malformed++;
      }
    }
    assertThat(malformed).isGreaterThan(module.length / 2);
    // Through the engine, a typed load error.
    byte[] cut = Arrays.copyOf(module, module.length - 3);
    Throwable t = catchThrowable(() -> Engine.parseWithoutBodies("cut", cut, "x", f -> false));
    assertThat(t).isInstanceOf(dev.terrarium.api.PluginLoadException.class);
    assertThat(((dev.terrarium.api.PluginLoadException) t).code()).isEqualTo(ErrorCode.LOAD_MALFORMED);
    assertThat(t.getMessage()).contains("cut");
  }

  /** The offset of the code section's id byte. */
  private static int codeSectionStart(byte[] module) {
    int at = 8;
    while (true) {
      Reader r = new Reader(module, at + 1, module.length);
      int size = r.u32();
      if (module[at] == 10) {
        return at;
      }
      at = r.pos + size;
    }
  }
}
