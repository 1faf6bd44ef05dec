package dev.terrarium.host.wasi;

/**
 * The guest memory as the WASI layer reads and writes it (little-endian). The engine implements it; every
 * method checks its range against the current size and throws {@link #fault()} when it does not fit, so a bad
 * guest pointer becomes {@code EFAULT}, never a host failure.
 */
public interface WasiMemory {
  /** Current size in bytes. */
  long size();

  byte readByte(int address);

  int readInt(int address);

  long readLong(int address);

  void writeByte(int address, byte value);

  void writeShort(int address, short value);

  void writeInt(int address, int value);

  void writeLong(int address, long value);

  /** Returns a copy of {@code length} bytes at {@code address}. */
  byte[] read(int address, int length);

  /** Copies {@code src[offset..offset+length)} to {@code address}. */
  void write(int address, byte[] src, int offset, int length);

  /** The exception to throw for a range outside the memory. */
  static RuntimeException fault() {
    return Errno.FAULT.error();
  }
}
