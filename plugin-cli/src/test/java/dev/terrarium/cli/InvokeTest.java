package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.samples.SamplePlugins;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium run --invoke NAME MODULE [VALUES...]}. */
class InvokeTest {
  @TempDir Path dir;
  private String add;

  @BeforeEach
  void copyModules() {
    add = SamplePlugins.copyTo("fixtures/add.wasm", dir).toString();
  }

  @Test
  void invoke_add_printsTheSum() {
    CliResult r = terrarium("run", "--invoke", "add", add, "1", "2");

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("3\n");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void invoke_add_acceptsNegativeAndHexAndUnsignedI32() {
    assertThat(terrarium("run", "--invoke", "add", add, "-5", "3").out()).isEqualTo("-2\n");
    assertThat(terrarium("run", "--invoke", "add", add, "0x10", "+1").out()).isEqualTo("17\n");
    assertThat(terrarium("run", "--invoke", "add", add, "4294967295", "0").out()).isEqualTo("-1\n");
    assertThat(terrarium("run", "--invoke", "add", add, "2147483647", "1").out()).isEqualTo("-2147483648\n");
  }

  @Test
  void invoke_add64_usesI64Arithmetic() {
    CliResult r = terrarium("run", "--invoke", "add64", add, "9007199254740993", "1");

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("9007199254740994\n");
  }

  @Test
  void invoke_addf_parsesAndPrintsDoubles() {
    assertThat(terrarium("run", "--invoke", "addf", add, "1.5", "2.25").out()).isEqualTo("3.75\n");
    assertThat(terrarium("run", "--invoke", "addf", add, "1e300", "-2.5E299").out()).isEqualTo("7.5E299\n");
    assertThat(terrarium("run", "--invoke", "addf", add, "3", ".5").out()).isEqualTo("3.5\n");
    assertThat(terrarium("run", "--invoke", "addf", add, "inf", "1").out()).isEqualTo("Infinity\n");
    assertThat(terrarium("run", "--invoke", "addf", add, "NaN", "1").out()).isEqualTo("NaN\n");
  }

  @Test
  void canonicalizeNaNs_makesTheNaNOfZeroOverZeroTheCanonicalOneInBothModes() {
    String divbits = TestModules.write(TestModules.DIVBITS_HEX, dir, "divbits.wasm").toString();
    String canonical = Long.toString(0x7FF8000000000000L);
    for (CliResult r :
        new CliResult[] {
          terrarium("run", "--canonicalize-nans", "--invoke", "divbits", divbits, "0", "0"),
          terrarium("run", "--canonicalize-nans", "--interpreter", "--invoke", "divbits", divbits, "0", "0")
        }) {
      assertThat(r.status()).isZero();
      assertThat(r.out()).isEqualTo(canonical + "\n");
      assertThat(r.err()).isEmpty();
    }
    // Numbers are unchanged.
    assertThat(terrarium("run", "--canonicalize-nans", "--invoke", "divbits", divbits, "1", "-0").out())
        .isEqualTo(Double.doubleToRawLongBits(Double.NEGATIVE_INFINITY) + "\n");
  }

  @Test
  void invoke_functionWithoutResults_printsNothing() {
    CliResult r = terrarium("run", "--invoke", "noop", add);

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEmpty();
  }

  @Test
  void invoke_interpreter_givesTheSameResult() {
    CliResult r = terrarium("run", "--interpreter", "--invoke", "add", add, "40", "2");

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("42\n");
  }

  @Test
  void invoke_badNumber_isOneUsageErrorLine() {
    CliResult r = terrarium("run", "--invoke", "add", add, "1", "two");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            "terrarium: --invoke add: argument 2 'two' is not an i32 (expected a decimal or 0x-hex integer from"
                + " -2147483648 to 4294967295)\n");
  }

  @Test
  void invoke_numberOutOfRange_isAUsageError() {
    CliResult r = terrarium("run", "--invoke", "add", add, "4294967296", "0");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("argument 1 '4294967296' is out of range for i32");
  }

  @Test
  void invoke_floatForAnIntegerParameter_isAUsageError() {
    CliResult r = terrarium("run", "--invoke", "add", add, "1.5", "0");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("argument 1 '1.5' is not an i32");
  }

  @Test
  void invoke_wrongArgumentCount_isAUsageError() {
    CliResult r = terrarium("run", "--invoke", "add", add, "1");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("terrarium: --invoke add: the export takes 2 arguments (i32, i32) but 1 was given\n");
  }

  @Test
  void invoke_unknownExport_failsWithBadExportNamingTheExports() {
    CliResult r = terrarium("run", "--invoke", "sub", add, "1", "2");

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/CALL_BAD_EXPORT]").contains("'sub'").contains("add64");
  }

  @Test
  void invoke_loopWithTimeout_failsWithCallTimeout() {
    String loop = SamplePlugins.copyTo("fixtures/loop.wasm", dir).toString();

    CliResult r = terrarium("run", "--invoke", "spin", "--timeout", "200ms", loop);

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/CALL_TIMEOUT]");
  }
}
