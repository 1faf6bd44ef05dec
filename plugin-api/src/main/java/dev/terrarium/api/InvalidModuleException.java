package dev.terrarium.api;

/** The module decodes but fails WebAssembly validation. */
public final class InvalidModuleException extends PluginLoadException {
  private static final long serialVersionUID = 1L;

  public InvalidModuleException(String pluginId, String reason, Throwable cause) {
    super(
        ErrorCode.LOAD_INVALID,
        pluginId,
        "the module does not validate: "
            + reason
            + ". Rebuild it with a conforming toolchain; `wasm-validate` from wabt shows the same fault.",
        cause);
  }
}
