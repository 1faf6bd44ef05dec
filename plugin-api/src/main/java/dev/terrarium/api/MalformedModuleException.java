package dev.terrarium.api;

/** The bytes are not a well-formed WebAssembly binary (wrong magic, truncated, bad encoding). */
public final class MalformedModuleException extends PluginLoadException {
  private static final long serialVersionUID = 1L;

  public MalformedModuleException(String pluginId, String reason, Throwable cause) {
    super(
        ErrorCode.LOAD_MALFORMED,
        pluginId,
        "the module is not a well-formed WebAssembly binary: "
            + reason
            + ". Check that the file is a .wasm module (it starts with \\0asm) and was copied whole.",
        cause);
  }
}
