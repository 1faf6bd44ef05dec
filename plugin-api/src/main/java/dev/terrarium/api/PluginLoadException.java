package dev.terrarium.api;

/**
 * Loading a plugin failed: its bytes could not be read, are not valid WebAssembly, do not match the pinned
 * hash, are too large, or its manifest is unusable. Nothing was cached and the host is unaffected.
 */
public class PluginLoadException extends PluginException {
  private static final long serialVersionUID = 1L;

  public PluginLoadException(ErrorCode code, String pluginId, String message, Throwable cause) {
    super(code, pluginId, message, cause);
  }
}
