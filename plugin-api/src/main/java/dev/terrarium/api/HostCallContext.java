package dev.terrarium.api;

/** What a host function can see of the guest that called it. Valid only during the call. */
public interface HostCallContext {
  /** Returns the id of the calling plugin. */
  String pluginId();

  /** Returns the calling instance's memory; throws {@link GuestMemoryException} if it exports none. */
  GuestMemory memory();
}
