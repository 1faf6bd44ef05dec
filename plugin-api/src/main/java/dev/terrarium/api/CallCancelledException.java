package dev.terrarium.api;

/**
 * A call was stopped from outside the guest: the application cancelled it ({@link ErrorCode#CALL_CANCELLED}), or
 * its session waited for input longer than its idle timeout ({@link ErrorCode#SESSION_IDLE}). The instance is
 * unusable afterwards; the plugin, the host and other instances are not affected.
 */
public final class CallCancelledException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public CallCancelledException(ErrorCode code, String pluginId, String function, String message, Throwable cause) {
    super(check(code), pluginId, function, message, cause);
  }

  private static ErrorCode check(ErrorCode code) {
    if (code != ErrorCode.CALL_CANCELLED && code != ErrorCode.SESSION_IDLE) {
      throw new IllegalArgumentException("a cancellation's code is CALL_CANCELLED or SESSION_IDLE, not " + code);
    }
    return code;
  }
}
