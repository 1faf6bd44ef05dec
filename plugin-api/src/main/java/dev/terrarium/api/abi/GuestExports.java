package dev.terrarium.api.abi;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.PluginCallException;
import dev.terrarium.api.WasmType;
import java.util.List;

/** What a generated export proxy needs from a plugin instance. Implemented by the host. */
public interface GuestExports {
  /** Returns the plugin's id, for messages. */
  String pluginId();

  /** Returns the instance's memory. */
  GuestMemory memory();

  /**
   * Looks up an export and checks its wasm signature.
   *
   * @throws dev.terrarium.api.BadExportException naming the export and both signatures when they differ
   */
  ExportHandle export(String name, List<WasmType> params, List<WasmType> results);

  /**
   * Returns whether the plugin exports a function named {@code name}, whatever its signature. Generated proxies ask
   * before looking up an optional export (a {@code default} method of the interface), and call the default method
   * when the plugin lacks it. The default answer is yes, so that {@link #export} reports a missing export.
   */
  default boolean hasExport(String name) {
    return true;
  }

  /**
   * Called by generated code when the guest broke the ABI in a call, before the exception propagates; the
   * host marks the instance broken so that it refuses further calls. Returns the exception to throw.
   */
  default AbiViolationException violated(AbiViolationException violation) {
    return violation;
  }

  /**
   * Called by generated code when a call failed outside the engine for another reason than a broken ABI (the
   * guest's {@code alloc} returned 0 at the memory limit: {@link dev.terrarium.api.MemoryLimitException}), before
   * the exception propagates; the host marks the instance broken unless the exception says it stays usable.
   * Returns the exception to throw.
   */
  default <E extends PluginCallException> E failed(E failure) {
    return failure;
  }

  /**
   * Called by a generated proxy before a typed call that passes values in memory (so calls {@code alloc} or {@code
   * dealloc} as well as the export): a host that meters fuel charges the whole typed call as one call. Returns
   * whether it began one; the proxy passes that to {@link #endTypedCall} when the typed call ends, however it ends.
   *
   * @param function the export's name, for messages
   */
  default boolean beginTypedCall(String function) {
    return false;
  }

  /**
   * Called by a generated proxy when a typed call that {@link #beginTypedCall} began ends: {@code failure} is the
   * unchecked exception it ends with, or {@code null}.
   */
  default void endTypedCall(boolean began, RuntimeException failure) {}
}
