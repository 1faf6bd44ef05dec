package dev.terrarium.api;

/**
 * The guest broke the ABI: it handed the host a pointer or length outside its memory, bytes that are not what
 * they claim to be (invalid UTF-8, a boolean that is neither 0 nor 1, an enum ordinal out of range), an
 * absent value where one is required, or its {@code alloc} returned an unusable pointer. The call fails and
 * the instance is discarded; nothing was read or written out of bounds.
 */
public final class AbiViolationException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  public AbiViolationException(String pluginId, String message) {
    super(
        ErrorCode.CALL_ABI_VIOLATION,
        pluginId,
        null,
        "the guest broke the Terrarium ABI: " + message + ". This is a bug in the plugin or its bindings.",
        null);
  }
}
