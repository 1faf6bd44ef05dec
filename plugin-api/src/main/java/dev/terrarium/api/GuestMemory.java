package dev.terrarium.api;

/**
 * A guest's linear memory as host code sees it. Every access is bounds-checked against the memory's current
 * size; a bad pointer or length throws {@link AbiViolationException} instead of reading or writing anything.
 * Pointers and lengths are unsigned 32-bit values carried in {@code int}s.
 */
public interface GuestMemory {
  /** Returns the current size in bytes. */
  long size();

  /** Copies {@code length} bytes starting at {@code pointer}. */
  byte[] read(int pointer, int length);

  /** Copies {@code bytes} to memory starting at {@code pointer}. */
  void write(int pointer, byte[] bytes);

  /** Reads a little-endian 32-bit integer. */
  int readInt(int pointer);

  /** Writes a little-endian 32-bit integer. */
  void writeInt(int pointer, int value);

  /** Reads a little-endian 64-bit integer. */
  long readLong(int pointer);

  /** Writes a little-endian 64-bit integer. */
  void writeLong(int pointer, long value);

  /** Decodes {@code length} bytes at {@code pointer} as strict UTF-8; malformed input is an error. */
  String readUtf8(int pointer, int length);

  /**
   * Returns the instance's memory limit, in 64 KiB pages, when the memory has reached it: it holds that many pages,
   * or the limit refused a {@code memory.grow} during the current call; otherwise -1 (also when the host does not
   * know). The ABI's writer asks when the guest's {@code alloc} returned 0, so that a plugin out of memory is
   * reported as {@link MemoryLimitException} naming the limit rather than as a broken ABI.
   */
  default int limitPagesIfReached() {
    return -1;
  }
}
