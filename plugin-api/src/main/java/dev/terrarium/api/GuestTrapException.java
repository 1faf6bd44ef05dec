package dev.terrarium.api;

/** The guest trapped. The kind says why; the message keeps the engine's wording. */
public final class GuestTrapException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final TrapKind kind;

  public GuestTrapException(String pluginId, String function, TrapKind kind, String detail, Throwable cause) {
    super(
        ErrorCode.CALL_TRAP,
        pluginId,
        function,
        "the guest trapped (" + kind + "): " + detail + ". This is a bug in the plugin, or it was given input"
            + " it cannot handle; the instance is discarded.",
        cause);
    this.kind = kind;
  }

  /** Returns why the guest trapped. */
  public TrapKind kind() {
    return kind;
  }
}
