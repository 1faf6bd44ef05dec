package dev.terrarium.api;

/** The application interrupted the thread running the guest; the interrupt flag is restored. */
public final class CallInterruptedException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public CallInterruptedException(String pluginId, String function, Throwable cause) {
    super(
        ErrorCode.CALL_INTERRUPTED,
        pluginId,
        function,
        "the calling thread was interrupted, so the guest was stopped.",
        cause);
  }
}
