package dev.terrarium.api;

/** What a host function can see of the guest that called it. Valid only during the call. */
public interface HostCallContext {
  /** Returns the id of the calling plugin. */
  String pluginId();

  /** Returns the calling instance's memory; throws {@link AbiViolationException} if it exports none. */
  GuestMemory memory();

  /**
   * Returns the calling instance's {@code alloc} and {@code dealloc} exports, for returning values in guest
   * memory; throws {@link AbiViolationException} if it does not export them with the ABI's signatures.
   */
  dev.terrarium.api.abi.Allocator allocator();
}
