package dev.terrarium.api;

/** The instance was closed, or broken by an earlier failure, and refuses further calls. */
public final class InstanceUnusableException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public InstanceUnusableException(String pluginId, String function, String why) {
    super(
        ErrorCode.CALL_INSTANCE_UNUSABLE,
        pluginId,
        function,
        "the instance " + why + ". Create a new instance from the plugin.",
        null);
  }
}
