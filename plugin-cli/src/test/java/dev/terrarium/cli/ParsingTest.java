package dev.terrarium.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasmType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

/** The CLI's own value syntax: durations, numbers, --dir, --env and synthesized ids. */
class ParsingTest {
  @ParameterizedTest
  @CsvSource({"500ms, PT0.5S", "2s, PT2S", "1m, PT1M", "1h, PT1H", "PT2S, PT2S", "pt0.25s, PT0.25S", "2S, PT2S"})
  void timeout_acceptsUnitsAndIso8601(String text, String iso) {
    assertThat(DurationConverter.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "2", "2x", "1.5s", "-1s", "0ms", "PT0S", "PT-1S", "P", "99999999999999999999s"})
  void timeout_rejectsOtherText(String text) {
    assertThatThrownBy(() -> DurationConverter.parse(text)).isInstanceOf(TypeConversionException.class);
  }

  @Test
  void numbers_roundTripThroughTheirPrintedForm() {
    for (double d : new double[] {0.1, -2.5e-300, 1e21, Double.MAX_VALUE, Double.MIN_VALUE}) {
      long raw = WasmType.F64.encode(d);
      assertThat(WasmValues.parse(WasmType.F64, WasmValues.format(WasmType.F64, raw))).isEqualTo(raw);
    }
    long f = WasmValues.parse(WasmType.F32, "0.1");
    assertThat(WasmType.F32.decode(f)).isEqualTo(0.1f);
    assertThat(WasmValues.format(WasmType.F32, f)).isEqualTo("0.1");
  }

  @Test
  void numbers_acceptTheFullSignedAndUnsignedI64Range() {
    assertThat(WasmValues.parse(WasmType.I64, "-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    assertThat(WasmValues.parse(WasmType.I64, "18446744073709551615")).isEqualTo(-1L);
    assertThatThrownBy(() -> WasmValues.parse(WasmType.I64, "18446744073709551616"))
        .hasMessageContaining("out of range for i64");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " 1", "1 ", "0x", "1e3", "1_000", "--1", "0b1"})
  void numbers_rejectMalformedIntegers(String text) {
    assertThatThrownBy(() -> WasmValues.parse(WasmType.I32, text)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1f", "1d", "0x1p3", "e5", "1.2.3", "infinit"})
  void numbers_rejectMalformedFloats(String text) {
    assertThatThrownBy(() -> WasmValues.parse(WasmType.F64, text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void arguments_countMustMatchTheParameters() {
    assertThatThrownBy(() -> WasmValues.parseArguments("noop", List.of(), List.of("1", "2")))
        .isInstanceOf(UsageException.class)
        .hasMessage("--invoke noop: the export takes no arguments () but 2 were given");
  }

  @Test
  void dir_splitsAtTheLastSeparator(@TempDir Path dir) throws Exception {
    Path odd = java.nio.file.Files.createDirectory(dir.resolve("a::b"));

    DirMapping m = DirMapping.parse(odd + "::/data");

    assertThat(m.hostPath()).isEqualTo(odd.toAbsolutePath().normalize());
    assertThat(m.guestPath()).isEqualTo("/data");
  }

  @Test
  void dir_takesAModeSuffix(@TempDir Path dir) {
    assertThat(DirMapping.parse(dir + "::/data").mode()).isEqualTo(dev.terrarium.api.MountMode.READ_WRITE);
    assertThat(DirMapping.parse(dir + "::/data:rw").mode()).isEqualTo(dev.terrarium.api.MountMode.READ_WRITE);
    DirMapping ro = DirMapping.parse(dir + "::/data:ro");
    assertThat(ro.mode()).isEqualTo(dev.terrarium.api.MountMode.READ_ONLY);
    assertThat(ro.guestPath()).isEqualTo("/data");
    assertThat(ro.toString()).endsWith("::/data:ro");
    assertThat(DirMapping.parse(dir + "::data:ro").guestPath()).isEqualTo("data");
    assertThat(DirMapping.parse(dir + "::.").guestPath()).isEqualTo(".");
    assertThatThrownBy(() -> DirMapping.parse(dir + "::"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("mount guest path must not be empty");
  }

  @Test
  void env_keepsEverythingAfterTheFirstEquals() {
    assertThat(EnvVar.parse("A=b=c")).isEqualTo(new EnvVar("A", "b=c"));
    assertThat(EnvVar.parse("EMPTY=")).isEqualTo(new EnvVar("EMPTY", ""));
    assertThatThrownBy(() -> EnvVar.parse("=x")).isInstanceOf(TypeConversionException.class);
  }

  @ParameterizedTest
  @CsvSource({"sizer.wasm, sizer", "My Tool.wasm, my-tool", "_x.wasm, module-_x", ".wasm, module", "a.b, a.b"})
  void synthesizedId_isDerivedFromTheFileName(String fileName, String id) {
    assertThat(PluginManifest.idFromFileName(fileName)).isEqualTo(id);
    assertThat(CliPolicy.synthesizedManifest(fileName, List.of(), List.of()).id()).isEqualTo(id);
  }

  @Test
  void synthesizedId_isCutTo128Characters_andNeedsAName() {
    assertThat(PluginManifest.idFromFileName("A".repeat(200) + ".wasm")).isEqualTo("a".repeat(128));
    assertThat(PluginManifest.idFromFileName("_" + "x".repeat(200))).hasSize(128).startsWith("module-_x");
    assertThatThrownBy(() -> PluginManifest.idFromFileName(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("fileName");
  }

  @Test
  void references_passOnlyAsNullOnTheCommandLine() {
    assertThat(WasmValues.parse(WasmType.FUNCREF, "null")).isEqualTo(WasmType.NULL_REF);
    assertThat(WasmValues.parse(WasmType.EXTERNREF, "NULL")).isEqualTo(WasmType.NULL_REF);
    assertThat(WasmValues.format(WasmType.EXTERNREF, WasmType.NULL_REF)).isEqualTo("null");
    assertThat(WasmValues.format(WasmType.FUNCREF, 3)).isEqualTo("3");
    assertThatThrownBy(() -> WasmValues.parse(WasmType.FUNCREF, "3"))
        .hasMessage("is not a funcref: the command line can only pass null for a reference");
  }
}
