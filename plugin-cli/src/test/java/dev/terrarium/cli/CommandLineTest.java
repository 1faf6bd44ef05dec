package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Version, help and picocli's usage errors. */
class CommandLineTest {
  @Test
  void version_printsTheProjectVersion() {
    CliResult r = terrarium("--version");

    assertThat(r.status()).isZero();
    assertThat(r.out()).matches("terrarium \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
  }

  @Test
  void help_listsTheCommands() {
    CliResult r = terrarium("--help");

    assertThat(r.status()).isZero();
    assertThat(r.out()).contains("run").contains("inspect").contains("Exit status");
    // every command, although a run that names one builds only that one
    for (String command : TerrariumCli.SUBCOMMANDS) {
      assertThat(r.out()).containsPattern("(?m)^\\s+" + command + "\\s");
    }
  }

  @Test
  void aMistypedCommand_isOneUsageErrorLineWithASuggestion() {
    CliResult r = terrarium("compil", "add.wasm");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("'compil'").contains("did you mean compile?");
  }

  @Test
  void runHelp_listsEveryOption() {
    CliResult r = terrarium("run", "--help");

    assertThat(r.status()).isZero();
    assertThat(r.out())
        .contains("--invoke=NAME")
        .contains("--dir=HOST::GUEST")
        .contains("--env=NAME=VALUE")
        .contains("--manifest=FILE")
        .contains("--max-memory-pages=N")
        .contains("--timeout=DURATION")
        .contains("--interpreter")
        .contains("--verbose");
  }

  @Test
  void noCommand_isAUsageError() {
    CliResult r = terrarium();

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.errLines()).hasSize(1);
  }

  @Test
  void missingModule_isOneUsageErrorLine() {
    CliResult r = terrarium("run");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("terrarium: Missing required parameter: 'MODULE' - see 'terrarium run --help'\n");
  }

  @Test
  void unknownOption_isOneUsageErrorLineWithASuggestion() {
    CliResult r = terrarium("run", "--invok", "add", "add.wasm");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("Unknown option: '--invok'").contains("did you mean --invoke");
  }

  @Test
  void badTimeout_isAUsageError() {
    CliResult r = terrarium("run", "--timeout", "soon", "m.wasm");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("'soon' is not a duration");
  }
}
