package dev.terrarium.api;

/** The caller asked for an export that does not exist, is not a function, or gave the wrong arguments. */
public final class BadExportException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public BadExportException(String pluginId, String function, String message) {
    super(ErrorCode.CALL_BAD_EXPORT, pluginId, function, message, null);
  }

  /** A bad export is the caller's mistake; the instance itself is untouched. */
  @Override
  public boolean instanceUsable() {
    return true;
  }
}
