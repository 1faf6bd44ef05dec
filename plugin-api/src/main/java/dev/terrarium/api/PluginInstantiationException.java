package dev.terrarium.api;

/** Creating a sandbox for a loaded plugin failed; the plugin itself stays loaded and usable. */
public class PluginInstantiationException extends PluginException {
  private static final long serialVersionUID = 1L;

  public PluginInstantiationException(ErrorCode code, String pluginId, String message, Throwable cause) {
    super(code, pluginId, message, cause);
  }
}
