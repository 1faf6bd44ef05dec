package dev.terrarium.host;

import dev.terrarium.api.PluginLoadException;
import java.time.Duration;
import java.util.Objects;

/**
 * One event of a module's compilation to JVM bytecode, for a {@link CompileListener}.
 *
 * @param kind what happened
 * @param pluginId the plugin whose load started the compile
 * @param sha256 the module's hash
 * @param moduleBytes the size of the module's binary, in bytes
 * @param background whether the compile runs in the background while the plugin is served by the interpreter
 *     ({@link Tiering}), rather than while {@code load} waits
 * @param elapsed how long the compile has been running (zero when it starts)
 * @param failure why it failed, for {@link Kind#FAILED}; otherwise {@code null}
 */
public record CompileEvent(
    Kind kind,
    String pluginId,
    String sha256,
    long moduleBytes,
    boolean background,
    Duration elapsed,
    PluginLoadException failure) {
  /** What happened to the compile. */
  public enum Kind {
    /** It started. */
    STARTED,
    /** It is still running (reported at the listener's interval). */
    PROGRESS,
    /** It finished: plugins loaded from the module run compiled code from now on. */
    FINISHED,
    /** It failed: plugins loaded from the module by this host keep the interpreter. */
    FAILED
  }

  public CompileEvent {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(pluginId, "pluginId");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(elapsed, "elapsed");
    if (moduleBytes < 0) {
      throw new IllegalArgumentException("moduleBytes must not be negative, was " + moduleBytes);
    }
    if ((kind == Kind.FAILED) != (failure != null)) {
      throw new IllegalArgumentException("a failure is given exactly for FAILED events, not for " + kind);
    }
  }
}
