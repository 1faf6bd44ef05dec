package dev.terrarium.api;

/**
 * A recoverable error that crosses the boundary as a value (see {@code docs/abi.md}, section 4). A host import
 * method that declares it can throw it, and the guest receives the code and message as an error value; a guest
 * export method that declares it throws it on the host when the guest reports an error.
 */
public class PluginError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int code;

  /**
   * @param code an application-defined, non-zero code
   * @param message a description for the other side
   */
  public PluginError(int code, String message) {
    super(message == null ? "" : message);
    if (code == 0) {
      throw new IllegalArgumentException("a PluginError code must not be 0 (0 means success)");
    }
    this.code = code;
  }

  /** Returns the non-zero, application-defined code. */
  public int code() {
    return code;
  }
}
