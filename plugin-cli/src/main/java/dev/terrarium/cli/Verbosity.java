package dev.terrarium.cli;

import picocli.CommandLine.Option;

/** The {@code -v/--verbose} option, mixed into every command. */
final class Verbosity {
  @Option(
      names = {"-v", "--verbose"},
      description = "Print what the CLI decided (manifest, grants, limits) and, on failure, the Java stack trace.")
  boolean verbose;
}
