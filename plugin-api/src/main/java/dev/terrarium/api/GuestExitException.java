package dev.terrarium.api;

/** The guest called WASI {@code proc_exit} during an ordinary export call. */
public final class GuestExitException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public GuestExitException(String pluginId, String function, int exitCode) {
    super(
        ErrorCode.CALL_EXIT,
        pluginId,
        function,
        "the guest exited with code " + exitCode + " in the middle of the call; its instance has ended.",
        null);
    this.exitCode = exitCode;
  }

  /** Returns the exit code the guest passed to {@code proc_exit}. */
  public int exitCode() {
    return exitCode;
  }
}
