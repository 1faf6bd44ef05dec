package dev.terrarium.api;

/** The plugin's manifest is missing, unreadable, or inconsistent. */
public final class ManifestException extends PluginLoadException {
  private static final long serialVersionUID = 1L;

  public ManifestException(String pluginId, String message, Throwable cause) {
    super(ErrorCode.LOAD_MANIFEST, pluginId, message, cause);
  }
}
