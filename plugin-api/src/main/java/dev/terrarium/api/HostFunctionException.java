package dev.terrarium.api;

/** A host function called by the guest threw; the cause is the host function's exception. */
public final class HostFunctionException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final String hostFunction;

  public HostFunctionException(String pluginId, String function, String hostFunction, Throwable cause) {
    super(
        ErrorCode.CALL_HOST_FUNCTION,
        pluginId,
        function,
        "host function "
            + hostFunction
            + " threw "
            + cause
            + ". The guest was stopped; fix the host function or have it report errors as values.",
        cause);
    this.hostFunction = hostFunction;
  }

  /** Returns the host function that failed, as {@code module.name}. */
  public String hostFunction() {
    return hostFunction;
  }
}
