package dev.terrarium.api;

/**
 * A call through a watched plugin directory's handle found no version of the plugin serving: it is loaded but
 * not started, stopped, disabled, failed with no good version to fall back on, or its file is gone. No instance
 * was involved.
 */
public final class PluginUnavailableException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final String state;

  /**
   * @param state the plugin's lifecycle state when the call was refused, by name ({@code STOPPED}, ...), or
   *     {@code null} when the directory holds no plugin of that id
   * @param reason why it serves no calls and what to do, as a sentence
   */
  public PluginUnavailableException(String pluginId, String state, String reason) {
    super(ErrorCode.CALL_PLUGIN_UNAVAILABLE, pluginId, null, reason, null);
    this.state = state;
  }

  /** Returns the plugin's lifecycle state by name, or {@code null} when no such plugin was ever seen. */
  public String state() {
    return state;
  }

  /** Returns {@code true}: no instance was involved, so none was broken. */
  @Override
  public boolean instanceUsable() {
    return true;
  }
}
