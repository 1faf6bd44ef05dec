package dev.terrarium.cli;

import dev.terrarium.api.PluginException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code terrarium} command: runs and inspects sandboxed WebAssembly plugins from a shell.
 *
 * <p>{@link #main} runs it on the process's streams and exits; {@link #execute} runs it on given streams and returns
 * the exit status, for tests and embedding. Errors are one line on stderr, prefixed {@code terrarium: }; a stack
 * trace follows only with {@code --verbose}. See {@link ExitCodes}.
 */
@Command(
    name = "terrarium",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    synopsisSubcommandLabel = "COMMAND",
    description = {"Runs and inspects sandboxed WebAssembly plugins (Terrarium on the Endive engine).", ""},
    footer = {
      "",
      "Exit status: run exits with the module's exit code; otherwise 0 on success, 2 for usage errors, 70 when"
          + " Terrarium refuses or fails the module, 1 for an internal error; 3 when 'manifest show' or 'descriptor"
          + " show' finds none, 4 when the function 'call' called reported an error.",
      "Run 'terrarium COMMAND --help' for a command's options."
    })
public final class TerrariumCli implements Callable<Integer> {
  @Mixin private Verbosity verbosity;

  private final Streams io;

  private TerrariumCli(Streams io) {
    this.io = io;
  }

  boolean verbose() {
    return verbosity.verbose;
  }

  /** Without a command: prints the usage to stderr and fails as a usage error. */
  @Override
  public Integer call() {
    io.err().println("terrarium: missing command: use 'terrarium run', 'call', 'inspect', 'compile', 'manifest' or 'descriptor'");
    return ExitCodes.USAGE;
  }

  private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";
  /** Held so that its level stays set (java.util.logging keeps loggers weakly). */
  private static final java.util.logging.Logger TERRARIUM_LOGGER = java.util.logging.Logger.getLogger("dev.terrarium");

  /** Runs the CLI on the process's streams and exits with its status. */
  public static void main(String[] args) {
    // Terrarium's few log lines (e.g. a cache entry that was not authentic) in the CLI's one-line style.
    if (System.getProperty(LOG_FORMAT) == null) {
      System.setProperty(LOG_FORMAT, "terrarium: %4$s: %5$s%6$s%n");
    }
    // The host logs each compile and refusal at INFO, for a service's log; the CLI reports what matters itself, so
    // it shows those lines with -v only (warnings always).
    boolean verbose = java.util.Arrays.asList(args).contains("-v") || java.util.Arrays.asList(args).contains("--verbose");
    TERRARIUM_LOGGER.setLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
    int status = execute(args, interruptibleStdin(), System.out, System.err);
    System.exit(status);
  }

  /**
   * Returns the process's standard input as a stream whose blocking reads end when the reading thread is
   * interrupted, as Terrarium's watchdog does at a deadline. {@code System.in} would keep a guest that waits for
   * input alive past {@code --timeout} until a line arrives. The CLI exits right after, so that an interrupt closes
   * file descriptor 0 does not matter.
   */
  private static InputStream interruptibleStdin() {
    return Channels.newInputStream(new FileInputStream(FileDescriptor.in).getChannel());
  }

  /**
   * Runs the CLI on the given streams; the guest's stdin, stdout and stderr are wired to them. Never calls {@code
   * System.exit} and never closes the streams.
   *
   * @return the exit status: the guest's exit code for {@code run}, otherwise one of {@link ExitCodes}
   */
  public static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
    return execute(args, in, out, err, System.getenv());
  }

  /** Like {@link #execute(String[], InputStream, PrintStream, PrintStream)}, with {@code env} as the environment. */
  static int execute(
      String[] args, InputStream in, PrintStream out, PrintStream err, java.util.Map<String, String> env) {
    Streams io = new Streams(in, out, err);
    CommandLine commandLine = commandLine(io, env, args.length > 0 ? args[0] : null);
    int status;
    try {
      status = commandLine.execute(args);
    } finally {
      commandLine.getOut().flush();
      commandLine.getErr().flush();
      io.flush();
    }
    return status;
  }

  /** The subcommands, in the order the help lists them. */
  static final List<String> SUBCOMMANDS = List.of("run", "call", "inspect", "compile", "manifest", "descriptor");

  /** Makes subcommand {@code name} (one of {@link #SUBCOMMANDS}): its command object, or its own command line. */
  private static Object subcommand(String name, Streams io, java.util.Map<String, String> env) {
    return switch (name) {
      case "run" -> new RunCommand(io, java.util.Map.copyOf(env));
      case "call" -> new CallCommand(io, java.util.Map.copyOf(env));
      case "inspect" -> new InspectCommand(io);
      case "compile" -> new CompileCommand(io);
      case "manifest" ->
          new CommandLine(new ManifestCommand(io))
              .addSubcommand("embed", new ManifestCommand.Embed(io))
              .addSubcommand("show", new ManifestCommand.Show(io))
              .addSubcommand("strip", new ManifestCommand.Strip(io));
      case "descriptor" ->
          new CommandLine(new DescriptorCommand(io))
              .addSubcommand("embed", new DescriptorCommand.Embed(io))
              .addSubcommand("show", new DescriptorCommand.Show(io))
              .addSubcommand("strip", new DescriptorCommand.Strip(io));
      default -> throw new IllegalArgumentException("no subcommand " + name);
    };
  }

  /**
   * Builds the command line. Picocli reads every command's annotations when the command is added, which is a good
   * part of a short run's start-up; so when the first argument names a subcommand, only that one is added (its
   * options, help and errors are the same). Otherwise (no arguments, a top-level option, a mistyped command) all
   * are, for the help and the suggestions.
   */
  private static CommandLine commandLine(Streams io, java.util.Map<String, String> env, String first) {
    CommandLine cli = new CommandLine(new TerrariumCli(io));
    // List.of(...).contains(null) throws, hence the null test
    List<String> wanted = first != null && SUBCOMMANDS.contains(first) ? List.of(first) : SUBCOMMANDS;
    for (String name : wanted) {
      cli.addSubcommand(name, subcommand(name, io, env));
    }
    // Settings on a CommandLine apply to the subcommands added before, so these come after addSubcommand.
    cli.setExpandAtFiles(false); // '@file' is an ordinary argument: it may be meant for the module
    cli.setOut(writer(io.out()));
    cli.setErr(writer(io.err()));
    cli.setExecutionExceptionHandler(TerrariumCli::failure);
    cli.setParameterExceptionHandler(TerrariumCli::usageError);
    // Everything after MODULE belongs to the module, even when it looks like an option.
    for (String name : List.of("run", "call")) {
      CommandLine sub = cli.getSubcommands().get(name);
      if (sub != null) {
        sub.setStopAtPositional(true);
      }
    }
    return cli;
  }

  private static PrintWriter writer(PrintStream stream) {
    return new PrintWriter(stream, true);
  }

  /** A bad command line: one line naming the problem and where to find help, status 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    StringBuilder line = new StringBuilder("terrarium: ").append(oneLine(e.getMessage()));
    if (e instanceof UnmatchedArgumentException u) {
      List<String> suggestions = u.getSuggestions();
      if (!suggestions.isEmpty()) {
        line.append(" (did you mean ").append(String.join(" or ", suggestions)).append("?)");
      }
    }
    line.append(" - see '").append(cmd.getCommandSpec().qualifiedName()).append(" --help'");
    PrintWriter err = cmd.getErr();
    err.println(line);
    err.flush();
    return ExitCodes.USAGE;
  }

  /** A failure while running a command: one line, a stack trace only with --verbose. */
  private static int failure(Exception e, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    int status;
    if (e instanceof UsageException) {
      err.println("terrarium: " + oneLine(e.getMessage()));
      status = ExitCodes.USAGE;
    } else if (e instanceof PluginException) {
      err.println("terrarium: " + oneLine(e.getMessage()));
      status = ExitCodes.PLUGIN_FAILURE;
    } else {
      err.println(
          "terrarium: internal error: " + oneLine(String.valueOf(e))
              + (verbose(parseResult) ? "" : " (run with --verbose for the stack trace, and please report it)"));
      status = ExitCodes.INTERNAL;
    }
    if (verbose(parseResult)) {
      e.printStackTrace(err);
    }
    err.flush();
    return status;
  }

  private static boolean verbose(ParseResult parseResult) {
    for (ParseResult r = parseResult; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
