package dev.terrarium.host.metering;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.PluginLoadException;

/**
 * The fuel-metering rewriter (or the float rewriter) refused a module: it is malformed ({@link ErrorCode#LOAD_MALFORMED}), refers to
 * indices it does not define ({@link ErrorCode#LOAD_INVALID}), or uses a construct the rewriter cannot meter
 * ({@link ErrorCode#LOAD_UNSUPPORTED}). A module is never loaded unmetered.
 */
public final class MeteringException extends PluginLoadException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public MeteringException(ErrorCode code, String message) {
    this(code, null, message, null);
  }

  private MeteringException(ErrorCode code, String pluginId, String message, Throwable cause) {
    super(code, pluginId, message, cause);
    this.reason = message;
  }

  /** Returns this refusal reported for plugin {@code pluginId} (the rewriter does not know which plugin it meters). */
  public MeteringException forPlugin(String pluginId) {
    MeteringException e = new MeteringException(code(), pluginId, reason, getCause());
    e.setStackTrace(getStackTrace());
    return e;
  }
}
