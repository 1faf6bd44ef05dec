package dev.terrarium.api;

/**
 * A call into a plugin failed. Unless {@link #instanceUsable()} says otherwise, the instance that failed must
 * be discarded (Terrarium marks it broken and refuses further calls); the plugin, the host and other
 * instances are unaffected.
 */
public class PluginCallException extends PluginException {
  private static final long serialVersionUID = 1L;

  private final String function;

  public PluginCallException(ErrorCode code, String pluginId, String function, String message, Throwable cause) {
    super(code, pluginId, (function == null ? "" : "call to '" + function + "' failed: ") + message, cause);
    this.function = function;
  }

  /** Returns the export that was called, or {@code null}. */
  public String function() {
    return function;
  }

  /** Returns whether the instance may still be called after this failure. */
  public boolean instanceUsable() {
    return false;
  }
}
