package dev.terrarium.api;

/** The module is larger than the host's (or the manifest's) maximum module size. */
public final class ModuleTooLargeException extends PluginLoadException {
  private static final long serialVersionUID = 1L;

  public ModuleTooLargeException(String pluginId, long size, long limit) {
    super(
        ErrorCode.LOAD_TOO_LARGE,
        pluginId,
        "the module is "
            + (size < 0 ? "more than " + limit : size)
            + " bytes, over the limit of "
            + limit
            + " bytes. Raise maxModuleBytes in the host limits if this plugin is trusted to be that large.",
        null);
  }
}
