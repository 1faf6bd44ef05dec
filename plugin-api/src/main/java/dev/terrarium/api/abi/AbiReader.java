package dev.terrarium.api.abi;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;

/**
 * Decodes ABI values from guest memory for generated code (see {@code docs/abi.md}). Every pointer and length
 * is checked by {@link GuestMemory}; in addition the reader charges every byte it decodes to a budget equal to
 * the guest's memory size, so that a guest cannot make the host allocate more than its own memory limit (a
 * list of many entries pointing at the same large buffer, say). One reader serves one call.
 *
 * <p>An owning reader (for results the guest hands over) records every allocation it reads so that {@link
 * #freeOwned} can return them all to the guest.
 */
public final class AbiReader {
  /** The length word of an absent value. */
  public static final int ABSENT_LENGTH = -1;

  private final String pluginId;
  private final GuestMemory memory;
  private final boolean owning;
  private long budget;
  private int[] owned = new int[0];
  private int ownedCount;

  /**
   * @param pluginId the plugin, for messages
   * @param memory the guest's memory
   * @param owning whether the values read are handed over to the host (and must be freed by it)
   */
  public AbiReader(String pluginId, GuestMemory memory, boolean owning) {
    this.pluginId = pluginId;
    this.memory = memory;
    this.owning = owning;
    this.budget = memory.size();
  }

  /** The pointer half of a packed result. */
  public static int pointer(long packed) {
    return (int) (packed >>> 32);
  }

  /** The length half of a packed result. */
  public static int length(long packed) {
    return (int) packed;
  }

  /** Returns an exception describing how the guest broke the ABI. */
  public AbiViolationException violation(String message) {
    return new AbiViolationException(pluginId, message);
  }

  private void charge(long bytes, String what) {
    budget -= bytes;
    if (budget < 0) {
      throw violation(
          "decoding " + what + " would take more bytes than the guest's whole memory (" + memory.size()
              + "); the guest is handing the host the same memory many times over");
    }
  }

  private void own(int pointer, int size) {
    if (!owning || pointer == 0 || size == 0) {
      return;
    }
    if (ownedCount * 2 == owned.length) {
      owned = java.util.Arrays.copyOf(owned, Math.max(8, owned.length * 2));
    }
    owned[ownedCount * 2] = pointer;
    owned[ownedCount * 2 + 1] = size;
    ownedCount++;
  }

  /** Returns every allocation read by this owning reader to the guest, in the order they were read. */
  public void freeOwned(Allocator allocator) {
    for (int i = 0; i < ownedCount; i++) {
      allocator.dealloc(owned[i * 2], owned[i * 2 + 1]);
    }
    ownedCount = 0;
  }

  public int i32(int address) {
    return memory.readInt(address);
  }

  public long i64(int address) {
    return memory.readLong(address);
  }

  public float f32(int address) {
    return Float.intBitsToFloat(memory.readInt(address));
  }

  public double f64(int address) {
    return Double.longBitsToDouble(memory.readLong(address));
  }

  /** Decodes a boolean; anything but 0 or 1 is a violation. */
  public boolean bool(int raw, String what) {
    if (raw == 0) {
      return false;
    }
    if (raw == 1) {
      return true;
    }
    throw violation(what + " is a boolean but the guest passed " + raw + " (only 0 and 1 are allowed)");
  }

  /** Decodes an enum ordinal; out of range is a violation. */
  public <E> E enumValue(E[] values, int ordinal, String what) {
    if (ordinal < 0 || ordinal >= values.length) {
      throw violation(
          what + " is an enum with " + values.length + " constants but the guest passed ordinal " + ordinal);
    }
    return values[ordinal];
  }

  private void present(int pointer, int length, String what) {
    if (length == ABSENT_LENGTH && pointer == 0) {
      throw violation(what + " is required but the guest passed the absent value");
    }
  }

  /** Returns whether {@code (pointer, length)} is the absent value; a length of -1 with a pointer is a violation. */
  public boolean absent(int pointer, int length, String what) {
    if (length == ABSENT_LENGTH) {
      if (pointer != 0) {
        throw violation(what + " has length 0xFFFFFFFF at pointer " + Integer.toUnsignedString(pointer));
      }
      return true;
    }
    return false;
  }

  /** Decodes a UTF-8 string; invalid UTF-8 or a range outside memory is a violation. */
  public String string(int pointer, int length, String what) {
    present(pointer, length, what);
    if (length == 0) {
      return "";
    }
    checkRange(pointer, Integer.toUnsignedLong(length), what);
    charge(Integer.toUnsignedLong(length) * 2, what);
    String s = memory.readUtf8(pointer, length);
    own(pointer, length);
    return s;
  }

  /** Decodes an optional string: {@code null} when absent. */
  public String optionalString(int pointer, int length, String what) {
    return absent(pointer, length, what) ? null : string(pointer, length, what);
  }

  /** Copies a byte array. */
  public byte[] bytes(int pointer, int length, String what) {
    present(pointer, length, what);
    if (length == 0) {
      return new byte[0];
    }
    checkRange(pointer, Integer.toUnsignedLong(length), what);
    charge(Integer.toUnsignedLong(length), what);
    byte[] b = memory.read(pointer, length);
    own(pointer, length);
    return b;
  }

  /** Decodes an optional byte array: {@code null} when absent. */
  public byte[] optionalBytes(int pointer, int length, String what) {
    return absent(pointer, length, what) ? null : bytes(pointer, length, what);
  }

  /**
   * Checks a list's array of {@code count} elements of {@code elementSize} bytes and returns its base address.
   * Its elements are then read at {@code base + i * elementSize}.
   */
  public int list(int pointer, int count, int elementSize, String what) {
    present(pointer, count, what);
    if (count == 0) {
      return pointer;
    }
    long bytes = Integer.toUnsignedLong(count) * elementSize;
    if (bytes > Integer.MAX_VALUE) {
      throw violation(what + " claims " + Integer.toUnsignedString(count) + " elements, more than memory can hold");
    }
    checkRange(pointer, bytes, what);
    charge(bytes, what);
    own(pointer, (int) bytes);
    return pointer;
  }

  /** Checks that a struct of {@code size} bytes lies at {@code pointer}, and returns the pointer. */
  public int record(int pointer, int size, String what) {
    if (pointer == 0) {
      throw violation(what + " is required but the guest passed a null pointer");
    }
    checkRange(pointer, size, what);
    charge(size, what);
    own(pointer, size);
    return pointer;
  }

  /** Checks that {@code [pointer, pointer + size)} lies in memory. */
  public void checkRange(int pointer, long size, String what) {
    long start = Integer.toUnsignedLong(pointer);
    if (start + size > memory.size()) {
      throw violation(
          what + " at [" + start + ", " + (start + size) + ") lies outside the guest's " + memory.size()
              + " bytes of memory");
    }
  }
}
