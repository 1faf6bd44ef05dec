package dev.terrarium.api;

import java.time.Duration;

/** The call ran past its wall-clock deadline; the watchdog interrupted the guest. */
public final class CallTimeoutException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  public CallTimeoutException(String pluginId, String function, Duration timeout, Throwable cause) {
    super(
        ErrorCode.CALL_TIMEOUT,
        pluginId,
        function,
        "it ran longer than its deadline of " + timeout.toMillis() + " ms and was interrupted. Raise callTimeout"
            + " if the work is legitimate, otherwise the plugin is looping.",
        cause);
    this.timeout = timeout;
  }

  /** Returns the deadline that was exceeded. */
  public Duration timeout() {
    return timeout;
  }
}
