package dev.terrarium.api;

/** The module's imports cannot be satisfied: denied by policy or not provided by the host. */
public class PluginLinkException extends PluginException {
  private static final long serialVersionUID = 1L;

  public PluginLinkException(ErrorCode code, String pluginId, String message, Throwable cause) {
    super(code, pluginId, message, cause);
  }
}
