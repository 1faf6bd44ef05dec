package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.samples.SamplePlugins;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium run --fuel N} and {@code --print-fuel}. */
class FuelTest {
  @TempDir Path dir;

  @Test
  void fuel_stopsARunawayModuleWithoutATimeout() {
    String loop = SamplePlugins.copyTo("fixtures/loop.wasm", dir).toString();
    CliResult r = terrarium("run", "--fuel", "2000000", "--invoke", "spin", loop);
    assertThat(r.status()).isEqualTo(70);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).startsWith("terrarium: [Terrarium/CALL_FUEL_EXHAUSTED]");
  }

  @Test
  void printFuel_reportsTheFuelUsedAfterTheResult() {
    String add = SamplePlugins.copyTo("fixtures/add.wasm", dir).toString();
    CliResult r = terrarium("run", "--print-fuel", "--invoke", "add", add, "1", "2");
    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("3\n");
    assertThat(r.err()).matches("terrarium: fuel used: [1-9][0-9]*\\n");
    CliResult again = terrarium("run", "--fuel", "1000", "--print-fuel", "--invoke", "add", add, "1", "2");
    assertThat(again.err()).isEqualTo(r.err());
  }

  @Test
  void printFuel_worksForACommand() {
    String hello = SamplePlugins.copyTo("fixtures/wasi-hello.wasm", dir).toString();
    CliResult r = terrarium("run", "--print-fuel", hello);
    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("hello from wasi\n");
    assertThat(r.err()).startsWith("terrarium: fuel used: ");
  }

  @Test
  void fuel_mustBePositive() {
    String add = SamplePlugins.copyTo("fixtures/add.wasm", dir).toString();
    CliResult r = terrarium("run", "--fuel", "0", "--invoke", "add", add, "1", "2");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--fuel must be at least 1, was 0");
  }
}
