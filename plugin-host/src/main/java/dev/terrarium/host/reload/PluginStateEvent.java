package dev.terrarium.host.reload;

import dev.terrarium.api.PluginException;
import java.util.Objects;

/**
 * A change of a plugin of a {@link PluginDirectory}: a new state, a new version, or a failed attempt.
 *
 * <ul>
 *   <li>A new version swapped in: {@code from} and {@code to} are {@code STARTED} and there is no failure; {@code
 *       version} is the new module's hash, equal to {@code previousVersion} when only the manifest changed.
 *   <li>A new version that failed while an older one serves: {@code from} and {@code to} are {@code STARTED},
 *       {@code version} is the one still serving, and {@link #failure()} says why the new one was refused. With
 *       nothing to serve, {@code to} is {@code FAILED}.
 * </ul>
 *
 * @param id the plugin's id
 * @param from the state before, or {@code null} when the directory first sees the plugin
 * @param to the state after
 * @param version the SHA-256 of the module loaded after the change, or {@code null} when none is loaded
 * @param previousVersion the SHA-256 of the module loaded before the change, or {@code null}
 * @param failure why the attempt that caused this event failed, or {@code null} when it did not fail
 */
public record PluginStateEvent(
    String id, PluginState from, PluginState to, String version, String previousVersion, PluginException failure) {
  public PluginStateEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(to, "to");
  }

  /** Returns whether this event reports a failure (a refused version, or a start that failed). */
  public boolean failed() {
    return failure != null;
  }

  @Override
  public String toString() {
    return "PluginStateEvent[" + id + ": " + from + " -> " + to
        + (version == null ? "" : ", version " + version.substring(0, 12))
        + (previousVersion == null || previousVersion.equals(version)
            ? "" : " (was " + previousVersion.substring(0, 12) + ")")
        + (failure == null ? "" : ", failed: " + failure.getMessage()) + "]";
  }
}
