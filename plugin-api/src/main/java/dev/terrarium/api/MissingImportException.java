package dev.terrarium.api;

import java.util.List;

/**
 * The module imports functions, globals or tables from a granted host module that the host does not define, or
 * defines with another type.
 */
public final class MissingImportException extends PluginLinkException {
  private static final long serialVersionUID = 1L;

  private final List<String> missing;

  /** The remedy for host functions, globals or tables the host lacks or defines with another type. */
  public static final String REGISTER_REMEDY =
      "Register these host functions (or globals, tables) with exactly these types, or rebuild the plugin against"
          + " the host's interface.";

  /** The remedy for WASI functions imported with a signature WASI does not define. */
  public static final String WASI_REMEDY =
      "A WASI function must be imported with the signature WASI preview 1 defines: rebuild the plugin with a"
          + " WASI toolchain, or fix its import declarations.";

  public MissingImportException(String pluginId, List<String> missing) {
    this(pluginId, missing, REGISTER_REMEDY);
  }

  /** An exception whose message ends with {@code remedy}, what to do about {@code missing}. */
  public MissingImportException(String pluginId, List<String> missing, String remedy) {
    super(
        ErrorCode.LINK_MISSING,
        pluginId,
        "the host does not provide " + String.join("; ", missing) + ". " + remedy,
        null);
    this.missing = List.copyOf(missing);
  }

  /** Returns a description of each unsatisfied import. */
  public List<String> missing() {
    return missing;
  }
}
