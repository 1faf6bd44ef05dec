package dev.terrarium.host.reload;

import dev.terrarium.api.PluginException;
import java.util.Objects;

/**
 * A plugin of a {@link PluginDirectory} as it stands.
 *
 * @param id the plugin's id, which is also its file's name ({@code ID.wasm})
 * @param state where it is in its life
 * @param version the SHA-256 (lowercase hex) of the module loaded now (the one serving when {@code STARTED}), or
 *     {@code null} when none is loaded
 * @param lastFailure why the latest attempt to load the plugin's files (or to start it) failed, or {@code null}
 *     when it succeeded; a plugin that is {@code STARTED} with a failure keeps serving its older version
 */
public record PluginStatus(String id, PluginState state, String version, PluginException lastFailure) {
  public PluginStatus {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    if ((state == PluginState.STARTED || state == PluginState.LOADED) && version == null) {
      throw new IllegalArgumentException("a " + state + " plugin has a version");
    }
  }
}
