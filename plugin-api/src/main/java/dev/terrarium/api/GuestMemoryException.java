package dev.terrarium.api;

/**
 * The guest handed the host a pointer or length that does not fit its memory, or bytes that are not what they
 * claim to be (invalid UTF-8). Thrown by {@link GuestMemory}; it fails the call without being wrapped.
 */
public final class GuestMemoryException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public GuestMemoryException(String pluginId, String message) {
    super(
        ErrorCode.CALL_TRAP,
        pluginId,
        null,
        "the guest passed bad memory to the host: " + message + ". This is a bug in the plugin.",
        null);
  }
}
