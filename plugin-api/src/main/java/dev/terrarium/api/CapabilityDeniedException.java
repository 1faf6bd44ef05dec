package dev.terrarium.api;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The module imports things that the effective capabilities (the host's grant intersected with the manifest's
 * request) do not allow. Every denied import is listed, with the grant that would allow it.
 */
public final class CapabilityDeniedException extends PluginLinkException {
  private static final long serialVersionUID = 1L;

  private final List<DeniedImport> denied;

  public CapabilityDeniedException(String pluginId, List<DeniedImport> denied) {
    super(
        ErrorCode.LINK_DENIED,
        pluginId,
        "the module imports "
            + denied.size()
            + (denied.size() == 1 ? " thing" : " things")
            + " that this host does not grant it: "
            + denied.stream().map(DeniedImport::toString).collect(Collectors.joining("; "))
            + ". Grant each capability in the host and request it in the plugin's manifest, or remove the import.",
        null);
    this.denied = List.copyOf(denied);
  }

  /** Returns every denied import, in the module's import order. */
  public List<DeniedImport> denied() {
    return denied;
  }
}
