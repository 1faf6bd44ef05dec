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

  /**
   * Returns the handle under which the calling instance knows {@code object}, to return it as an {@link
   * WasmType#EXTERNREF} result ({@link WasmType#NULL_REF} for null). Only host functions with an externref in
   * their signature can.
   *
   * @throws IllegalStateException when the function's signature has no externref
   */
  default long externRef(Object object) {
    throw new IllegalStateException("this context passes no host objects");
  }

  /**
   * Returns the object that an {@link WasmType#EXTERNREF} argument's handle stands for (null for {@link
   * WasmType#NULL_REF}).
   *
   * @throws IllegalArgumentException when {@code handle} is not one of the calling instance's handles
   * @throws IllegalStateException when the function's signature has no externref
   */
  default Object externObject(long handle) {
    throw new IllegalStateException("this context passes no host objects");
  }
}
