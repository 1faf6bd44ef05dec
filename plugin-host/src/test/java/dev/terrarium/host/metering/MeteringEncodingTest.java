package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static dev.terrarium.host.metering.Meter.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.endive.wasm.Parser;

/** The decoder knows every immediate form it accepts: rewritten modules validate (Endive and wabt) and run. */
class MeteringEncodingTest {
  @TempDir Path dir;

  private byte[] meteredAndValid(byte[] module) throws Exception {
    byte[] metered = FuelRewriter.rewrite(module, CostModel.defaults());
    Parser.parse(metered);
    Path file = Files.createTempFile(dir, "metered", ".wasm");
    Files.write(file, metered);
    Process p = new ProcessBuilder("wasm-validate", "--enable-all", file.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    return metered;
  }

  @Test
  void emptyAndImportOnlyModules() throws Exception {
    meteredAndValid(wat(dir, "(module)"));
    meteredAndValid(wat(dir, "(module (import \"a\" \"b\" (func)) (import \"a\" \"g\" (global i32)))"));
    byte[] m = wat(dir, "(module (import \"a\" \"b\" (func (param i32))) (export \"b\" (func 0)))");
    byte[] metered = meteredAndValid(m);
    assertThat(Parser.parse(metered).importSection().importCount()).isEqualTo(2);
  }

  @Test
  void simdImmediates() throws Exception {
    meteredAndValid(
        wat(
            dir,
            "(module (memory 1) (global v128 (v128.const i32x4 1 2 3 4))"
                + " (func (export \"f\") (result i32) (local v128)"
                + "  (local.set 0 (v128.load offset=16 align=4 (i32.const 0)))"
                + "  (local.set 0 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 0) (local.get 0)))"
                + "  (local.set 0 (v128.load32_lane 2 (i32.const 0) (local.get 0)))"
                + "  (v128.store64_lane 1 (i32.const 8) (local.get 0))"
                + "  (local.set 0 (v128.load64_zero (i32.const 0)))"
                + "  (local.set 0 (i32x4.replace_lane 3 (local.get 0) (i32.const 9)))"
                + "  (local.set 0 (f64x2.promote_low_f32x4 (local.get 0)))"
                + "  (local.set 0 (i32x4.dot_i16x8_s (local.get 0) (local.get 0)))"
                + "  (i32x4.extract_lane 3 (local.get 0))))"));
  }

  @Test
  void multiValueBlocksSelectAndBulkAndSaturatingOps() throws Exception {
    byte[] m =
        wat(
            dir,
            "(module (memory 1) (data $d \"xyz\") (type $pair (func (param i32) (result i32 i32)))"
                + " (func (export \"f\") (param i32) (result i32)"
                + "  (local.get 0) (block (type $pair) (i32.const 1) (br 0))"
                + "  (i32.add) (loop (param i32) (result i32) (i32.const 2) (i32.add))"
                + "  (if (param i32) (result i32) (i32.const 1) (then (i32.const 3) (i32.add)) (else (i32.const 4) (i32.sub)))"
                + "  (i32.trunc_sat_f64_s (f64.const 1e30)) (drop)"
                + "  (select (result i32) (i32.const 100) (i32.extend8_s (i32.const 255)) (i32.const 0))"
                + "  (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3)) (data.drop $d) (drop)))");
    meteredAndValid(m);
    for (boolean compiled : new boolean[] {false, true}) {
      Object expected = instantiate(m, false, compiled, 1, Long.MAX_VALUE / 2).call("f", 5);
      Run run = instantiate(m, true, compiled, 1, Long.MAX_VALUE / 2);
      assertThat(run.call("f", 5)).isEqualTo(expected).isEqualTo(List.of(11L));
    }
  }

  @Test
  void nameSectionIsDroppedOtherCustomSectionsKept() throws Exception {
    byte[] m =
        MeteringEscapeTest.concat(
            wat(dir, "(module (func $named (export \"f\")))", "--debug-names"),
            MeteringEscapeTest.customSection("terrarium.manifest", "{}"));
    byte[] metered = meteredAndValid(m);
    assertThat(Parser.parse(metered).customSection("name")).isNull();
    assertThat(Parser.parse(metered).customSection("terrarium.manifest")).isNotNull();
  }

  /** Every sample module either rewrites into a valid module or, if it is not valid WebAssembly, is refused. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("sampleNames")
  void everySampleRewritesValidlyOrIsRefused(String name) throws Exception {
    byte[] bytes = dev.terrarium.samples.SamplePlugins.bytes(name);
    boolean valid;
    try {
      Parser.parse(bytes);
      valid = true;
    } catch (RuntimeException e) {
      valid = false;
    }
    if (valid) {
      meteredAndValid(bytes);
    } else {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> FuelRewriter.rewrite(bytes, CostModel.defaults()))
          .isInstanceOf(MeteringException.class);
    }
  }

  static List<String> sampleNames() {
    return dev.terrarium.samples.SamplePlugins.names();
  }

  @Test
  void rewritingIsDeterministic() throws Exception {
    byte[] m = dev.terrarium.samples.SamplePlugins.bytes("greeter-rust.wasm");
    assertThat(FuelRewriter.rewrite(m, CostModel.defaults())).isEqualTo(FuelRewriter.rewrite(m, CostModel.defaults()));
  }
}
