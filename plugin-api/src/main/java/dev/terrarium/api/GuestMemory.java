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
}
