package dev.terrarium.cli;

/**
 * The exit statuses of the {@code terrarium} command, besides the guest's own exit code, which {@code terrarium
 * run} passes through. They follow the BSD {@code sysexits.h} convention where one applies.
 */
public final class ExitCodes {
  /** Success: the command (or the guest's {@code _start}) finished normally. */
  public static final int OK = 0;

  /**
   * An unexpected failure inside the CLI itself (a bug: please report it with the output of {@code --verbose}).
   * Also used when a guest exits with a code that no process exit status can carry (outside 0..255).
   */
  public static final int INTERNAL = 1;

  /** The command line is wrong: an unknown option, a missing MODULE, a bad value, a bad {@code --invoke} argument. */
  public static final int USAGE = 2;

  /** What was asked for is not there: {@code terrarium manifest show} on a module that carries no manifest. */
  public static final int ABSENT = 3;

  /**
   * {@code terrarium call}: the function reported an error through its error channel (it declares {@code throws
   * PluginError}); the error is printed as JSON on stdout.
   */
  public static final int GUEST_ERROR = 4;

  /**
   * Terrarium refused or failed the plugin: loading, linking, instantiating or calling it failed (EX_SOFTWARE). The
   * message on stderr starts with {@code [Terrarium/CODE]}.
   */
  public static final int PLUGIN_FAILURE = 70;

  private ExitCodes() {}
}
