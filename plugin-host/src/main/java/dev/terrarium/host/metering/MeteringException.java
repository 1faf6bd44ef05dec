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

  public MeteringException(ErrorCode code, String message) {
    super(code, null, message, null);
  }
}
