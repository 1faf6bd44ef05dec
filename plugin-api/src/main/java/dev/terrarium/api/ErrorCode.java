package dev.terrarium.api;

/**
 * Stable identifiers for every failure Terrarium reports. Each {@link PluginException} carries one, and its
 * message starts with {@code [Terrarium/CODE]}, so that operators can search logs and documentation for it.
 * Codes are never renamed or reused; new ones are added at the end of their phase.
 */
public enum ErrorCode {
  /** The bytes are not a WebAssembly binary module (bad magic, truncated, bad encoding). */
  LOAD_MALFORMED(Phase.LOAD),
  /** The module decodes but does not validate (type errors, bad indices). */
  LOAD_INVALID(Phase.LOAD),
  /** The module's SHA-256 differs from the one the manifest pins. */
  LOAD_HASH_MISMATCH(Phase.LOAD),
  /** The module is larger than the host allows. */
  LOAD_TOO_LARGE(Phase.LOAD),
  /** The manifest is missing, unreadable or inconsistent. */
  LOAD_MANIFEST(Phase.LOAD),
  /** The module could not be read from its source. */
  LOAD_IO(Phase.LOAD),
  /** The module uses a feature the engine cannot compile or run. */
  LOAD_UNSUPPORTED(Phase.LOAD),
  /**
   * A precompiled plugin is refused: not one in whole, not signed by a key the host trusts, changed after it was
   * signed, or compiled for another engine or configuration than the host's.
   */
  LOAD_PRECOMPILED(Phase.LOAD),

  /** The module imports something that is not granted. */
  LINK_DENIED(Phase.LINK),
  /** The module imports a function from a granted module that the host does not provide, or with another type. */
  LINK_MISSING(Phase.LINK),

  /** Creating an instance failed (start function trapped, data did not fit, ...). */
  INSTANTIATE_FAILED(Phase.INSTANTIATE),
  /** The module needs more memory to start than the limit allows. */
  INSTANTIATE_MEMORY_LIMIT(Phase.INSTANTIATE),
  /** The module's tables need more elements to start than the limit ({@code maxTableElements}) allows. */
  INSTANTIATE_TABLE_LIMIT(Phase.INSTANTIATE),

  /** The guest trapped (unreachable, out-of-bounds access, division by zero, ...). */
  CALL_TRAP(Phase.CALL),
  /** The call ran past its wall-clock deadline and was interrupted. */
  CALL_TIMEOUT(Phase.CALL),
  /** The guest failed after it asked for more memory than its limit. */
  CALL_MEMORY_LIMIT(Phase.CALL),
  /** A host function called by the guest threw. */
  CALL_HOST_FUNCTION(Phase.CALL),
  /** The guest recursed deeper than its stack allows. */
  CALL_STACK_EXHAUSTED(Phase.CALL),
  /** The export does not exist, is not a function, or was given arguments of the wrong number. */
  CALL_BAD_EXPORT(Phase.CALL),
  /** The instance was closed, or was broken by an earlier failure, and can no longer be called. */
  CALL_INSTANCE_UNUSABLE(Phase.CALL),
  /** The guest called {@code proc_exit} outside a command's {@code _start}. */
  CALL_EXIT(Phase.CALL),
  /** The calling thread was interrupted by the application (not by Terrarium's watchdog). */
  CALL_INTERRUPTED(Phase.CALL),
  /** The application cancelled the call ({@code PluginInstance.cancel()}, or a close from another thread). */
  CALL_CANCELLED(Phase.CALL),
  /** A session waited for input longer than its idle timeout, and was ended. */
  SESSION_IDLE(Phase.CALL),
  /** The guest broke the ABI: bad pointer or length, invalid UTF-8, unusable {@code alloc} result, ... */
  CALL_ABI_VIOLATION(Phase.CALL),
  /**
   * The call could not get the fuel it needed: its tenant's ledger was empty, it reached its per-call or
   * per-instance cap, or the ledger failed.
   */
  CALL_FUEL_EXHAUSTED(Phase.CALL),
  /** No instance of an instance pool became free within the pool's borrow timeout. */
  CALL_POOL_EXHAUSTED(Phase.CALL),
  /** The instance pool was closed and lends no more instances. */
  CALL_POOL_CLOSED(Phase.CALL),
  /**
   * A plugin of a watched plugin directory serves no calls: it is loaded but not started, stopped, disabled,
   * failed with no version to fall back on, or its file is gone.
   */
  CALL_PLUGIN_UNAVAILABLE(Phase.CALL);

  /** The phase of a plugin's life in which an error happens. */
  public enum Phase {
    LOAD,
    LINK,
    INSTANTIATE,
    CALL
  }

  private final Phase phase;

  ErrorCode(Phase phase) {
    this.phase = phase;
  }

  /** Returns the phase this error belongs to. */
  public Phase phase() {
    return phase;
  }

  /** Returns the prefix that starts every message with this code, {@code [Terrarium/NAME]}. */
  public String tag() {
    return "[Terrarium/" + name() + "]";
  }
}
