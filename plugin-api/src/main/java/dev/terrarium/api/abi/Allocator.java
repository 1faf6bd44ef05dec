package dev.terrarium.api.abi;

/** The guest's {@code alloc} and {@code dealloc} exports. */
public interface Allocator {
  /** Calls the guest's {@code alloc(size)} and returns what it returned, unchecked. */
  int alloc(int size);

  /** Calls the guest's {@code dealloc(ptr, size)}. */
  void dealloc(int pointer, int size);
}
