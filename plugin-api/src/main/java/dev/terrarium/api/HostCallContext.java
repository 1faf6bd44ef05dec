package dev.terrarium.api;

/**
 * What a host function can see of the guest that called it: who calls (the tenant, the plugin, the instance and
 * the application's attachment) and the guest's memory. The same context is passed on the caller's thread and on
 * a guest-stack thread, so host code never needs a {@code ThreadLocal} to know its caller. Memory and allocator
 * are valid only during the call; the identity never changes for an instance.
 */
public interface HostCallContext {
  /** Returns the id of the calling plugin. */
  String pluginId();

  /**
   * Returns the id of the tenant the calling instance was created for, or {@code null} when it was created
   * without one (possible only on a host that does not meter fuel).
   */
  default String tenant() {
    return null;
  }

  /**
   * Returns a number that identifies the calling instance: unique among the instances of one host, and never
   * reused while the host lives. -1 when the caller is no instance of a Terrarium host.
   */
  default long instanceId() {
    return -1;
  }

  /**
   * Returns the object the application attached to the calling instance when it created it ({@code
   * InstanceOptions.builder().attach(...)}), or {@code null} when it attached none.
   */
  default Object attachment() {
    return null;
  }

  /**
   * Returns the attachment as a {@code type}.
   *
   * @throws IllegalStateException when the calling instance has no attachment, or one of another type
   */
  default <T> T attachment(Class<T> type) {
    Object a = attachment();
    if (!type.isInstance(a)) {
      throw new IllegalStateException(
          "the instance of plugin '" + pluginId() + "' was created with "
              + (a == null ? "no attachment" : "an attachment of " + a.getClass().getName())
              + ", not a " + type.getName() + "; attach one with InstanceOptions.builder().attach(...)");
    }
    return type.cast(a);
  }

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
