package dev.terrarium.api;

import java.util.List;

/**
 * The module imports functions, globals or tables from a granted host module that the host does not define, or
 * defines with another type.
 */
public final class MissingImportException extends PluginLinkException {
  private static final long serialVersionUID = 1L;

  private final List<String> missing;

  public MissingImportException(String pluginId, List<String> missing) {
    super(
        ErrorCode.LINK_MISSING,
        pluginId,
        "the host does not provide "
            + String.join("; ", missing)
            + ". Register these host functions (or globals, tables) with exactly these types, or rebuild the plugin"
            + " against the host's interface.",
        null);
    this.missing = List.copyOf(missing);
  }

  /** Returns a description of each unsatisfied import. */
  public List<String> missing() {
    return missing;
  }
}
