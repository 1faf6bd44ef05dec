package dev.terrarium.api;

/** The guest recursed deeper than the stack it runs on allows. */
public final class StackExhaustedException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public StackExhaustedException(String pluginId, String function, String stack, Throwable cause) {
    super(
        ErrorCode.CALL_STACK_EXHAUSTED,
        pluginId,
        function,
        "the guest exhausted its stack (" + stack + "), most likely by unbounded recursion. Raise"
            + " guestStackBytes if the recursion is legitimate.",
        cause);
  }
}
