package dev.terrarium.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One in-process execution of the CLI with captured streams. */
record CliResult(int status, String out, String err) {
  /** Runs {@code terrarium ARGS} with empty stdin. */
  static CliResult terrarium(String... args) {
    return terrariumWithStdin("", args);
  }

  /** Runs {@code terrarium ARGS} with empty stdin and {@code env} as the process environment. */
  static CliResult terrariumWithEnv(java.util.Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        TerrariumCli.execute(
            args,
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new CliResult(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs {@code terrarium ARGS} with {@code stdin} as standard input. */
  static CliResult terrariumWithStdin(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status =
        TerrariumCli.execute(
            args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), outStream, errStream);
    return new CliResult(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Returns stderr's lines. */
  java.util.List<String> errLines() {
    return err.lines().toList();
  }
}
