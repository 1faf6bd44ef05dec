package dev.terrarium.api;

import java.util.Objects;

/**
 * The root of every failure Terrarium reports about a plugin. It is unchecked and split by phase: {@link
 * PluginLoadException}, {@link PluginLinkException}, {@link PluginInstantiationException} and {@link
 * PluginCallException}. No engine exception, JVM error raised by guest code, or host-function exception
 * escapes as anything else.
 *
 * <p>Messages have the form {@code [Terrarium/CODE] plugin 'id': what failed: why. What to do.}
 */
public abstract class PluginException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String pluginId;

  protected PluginException(ErrorCode code, String pluginId, String message, Throwable cause) {
    super(format(code, pluginId, message), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.pluginId = pluginId;
  }

  private static String format(ErrorCode code, String pluginId, String message) {
    String who = pluginId == null ? "" : " plugin '" + pluginId + "':";
    return code.tag() + who + " " + message;
  }

  /** Returns the stable code of this error. */
  public ErrorCode code() {
    return code;
  }

  /** Returns the id of the plugin concerned, or {@code null} when it was not known yet. */
  public String pluginId() {
    return pluginId;
  }
}
