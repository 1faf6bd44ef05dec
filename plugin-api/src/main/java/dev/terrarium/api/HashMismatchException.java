package dev.terrarium.api;

/** The module's SHA-256 differs from the hash the manifest pins. */
public final class HashMismatchException extends PluginLoadException {
  private static final long serialVersionUID = 1L;

  private final String expected;
  private final String actual;

  public HashMismatchException(String pluginId, String expected, String actual) {
    super(
        ErrorCode.LOAD_HASH_MISMATCH,
        pluginId,
        "the module's SHA-256 is "
            + actual
            + " but the manifest pins "
            + expected
            + ". The module was changed or the manifest belongs to another build; refusing to load it.",
        null);
    this.expected = expected;
    this.actual = actual;
  }

  /** Returns the hash the manifest pinned, in lowercase hex. */
  public String expected() {
    return expected;
  }

  /** Returns the hash of the bytes that were offered, in lowercase hex. */
  public String actual() {
    return actual;
  }
}
