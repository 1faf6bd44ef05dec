package dev.terrarium.api.abi;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.MemoryLimitException;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.PluginException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Encodes ABI values into guest memory for generated code, allocating with the guest's {@code alloc} (see
 * {@code docs/abi.md}). Every pointer {@code alloc} returns is checked: zero, or a block that does not fit in
 * memory, is an {@link AbiViolationException}, except that zero from a guest whose memory has reached the instance's
 * limit ({@link GuestMemory#limitPagesIfReached}) is a {@link MemoryLimitException}.
 */
public final class AbiWriter {
  /** The packed form of an absent value: pointer 0, length 0xFFFFFFFF. */
  public static final long ABSENT = 0xFFFFFFFFL;

  /** The size of the error slot of fallible functions: {@code { i32 code; u32 msg_ptr; u32 msg_len }}. */
  public static final int ERROR_SLOT_SIZE = 12;

  private final String pluginId;
  private final GuestMemory memory;
  private final Allocator allocator;
  /**
   * What this writer allocated and still owns (see {@link #abandon}): the first block in two fields, so that a
   * call passing one value allocates nothing more on the host, and the others as {@code pointer, size} pairs.
   */
  private int firstPointer;
  private int firstSize;
  private int[] owned = NONE;
  private int ownedWords;
  private boolean sent;

  private static final int[] NONE = new int[0];

  public AbiWriter(String pluginId, GuestMemory memory, Allocator allocator) {
    this.pluginId = pluginId;
    this.memory = memory;
    this.allocator = allocator;
  }

  /** Packs a pointer and a length into one {@code i64}. */
  public static long pack(int pointer, int length) {
    return ((long) pointer << 32) | Integer.toUnsignedLong(length);
  }

  private AbiViolationException violation(String message) {
    return new AbiViolationException(pluginId, message);
  }

  /** Allocates {@code size} bytes in the guest; returns 0 without calling the guest when size is 0. */
  public int alloc(long size, String what) {
    if (size == 0) {
      return 0;
    }
    if (size > Integer.MAX_VALUE || size > memory.size() + (long) Integer.MAX_VALUE) {
      throw violation(what + " needs " + size + " bytes, more than a 32-bit memory can hold");
    }
    int pointer = allocator.alloc((int) size);
    long start = Integer.toUnsignedLong(pointer);
    if (pointer == 0) {
      int limitPages = memory.limitPagesIfReached();
      if (limitPages >= 0) {
        // The generated allocators return 0 for a non-zero size only when the memory cannot grow (docs/abi.md).
        throw new MemoryLimitException(
            pluginId,
            null,
            limitPages,
            "its alloc(" + size + ") for " + what + " returned 0 because its memory of "
                + memory.size() / 1024 + " KiB is full",
            null);
      }
    }
    if (pointer == 0 || start + size > memory.size()) {
      throw violation(
          "alloc(" + size + ") for " + what + " returned " + start + ", which is "
              + (pointer == 0 ? "null" : "outside the guest's " + memory.size() + " bytes of memory"));
    }
    if (!sent) {
      own(pointer, (int) size);
    }
    return pointer;
  }

  /**
   * Marks everything written so far as handed to the guest: call it just before the export call that receives
   * it. From then on the guest owns it (docs/abi.md, section 3), and {@link #abandon} frees nothing.
   */
  public void sent() {
    sent = true;
    firstPointer = 0;
    ownedWords = 0;
  }

  private void own(int pointer, int size) {
    if (firstPointer == 0) {
      firstPointer = pointer;
      firstSize = size;
      return;
    }
    if (ownedWords == owned.length) {
      owned = Arrays.copyOf(owned, Math.max(8, owned.length * 2));
    }
    owned[ownedWords++] = pointer;
    owned[ownedWords++] = size;
  }

  /**
   * Frees, with the guest's {@code dealloc} and newest first, what this writer allocated for a call that failed
   * before it was made, for instance on a {@code null} inside an argument, so that a caller's mistake leaves
   * nothing behind in guest memory. Does nothing after {@link #sent}, or when {@code failure} came from the guest
   * (a {@link PluginException}: its memory is then not to be trusted, and a broken instance
   * refuses calls anyway). A failure of {@code dealloc} is added to {@code failure} as suppressed.
   */
  public void abandon(RuntimeException failure) {
    if (sent || failure instanceof PluginException) {
      return;
    }
    int words = ownedWords;
    int first = firstPointer;
    ownedWords = 0;
    firstPointer = 0;
    try {
      for (int i = words - 2; i >= 0; i -= 2) {
        allocator.dealloc(owned[i], owned[i + 1]);
      }
      if (first != 0) {
        allocator.dealloc(first, firstSize);
      }
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** Writes a string into a new allocation and returns it packed. */
  public long string(String value, String what) {
    if (value == null) {
      throw new NullPointerException(what + " must not be null (declare it Optional<String> to allow absence)");
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    return bytes(bytes, what);
  }

  /** Writes an optional string; {@code null} becomes {@link #ABSENT}. */
  public long optionalString(String value, String what) {
    return value == null ? ABSENT : string(value, what);
  }

  /** Writes bytes into a new allocation and returns them packed. */
  public long bytes(byte[] value, String what) {
    if (value == null) {
      throw new NullPointerException(what + " must not be null (declare it Optional<byte[]> to allow absence)");
    }
    int pointer = alloc(value.length, what);
    if (value.length > 0) {
      memory.write(pointer, value);
    }
    return pack(pointer, value.length);
  }

  /** Writes optional bytes; {@code null} becomes {@link #ABSENT}. */
  public long optionalBytes(byte[] value, String what) {
    return value == null ? ABSENT : bytes(value, what);
  }

  /** Allocates the array of a list and returns its base address (0 for an empty list). */
  public int list(int count, int elementSize, String what) {
    return alloc((long) count * elementSize, what);
  }

  /** Allocates a struct and returns its address. */
  public int record(int size, String what) {
    return alloc(size, what);
  }

  public void i32(int address, int value) {
    memory.writeInt(address, value);
  }

  public void i64(int address, long value) {
    memory.writeLong(address, value);
  }

  public void f32(int address, float value) {
    memory.writeInt(address, Float.floatToRawIntBits(value));
  }

  public void f64(int address, double value) {
    memory.writeLong(address, Double.doubleToRawLongBits(value));
  }

  /** Writes a packed {@code (ptr, len)} as two {@code u32} words at {@code address}. */
  public void pair(int address, long packed) {
    memory.writeInt(address, AbiReader.pointer(packed));
    memory.writeInt(address + 4, AbiReader.length(packed));
  }

  /** Writes success (code 0) into a guest-provided error slot. */
  public void success(int slot) {
    memory.writeInt(slot, 0);
    memory.writeLong(slot + 4, 0);
  }

  /** Writes an error into a guest-provided error slot; the message is allocated for the guest to own. */
  public void error(int slot, PluginError error) {
    memory.writeInt(slot, 0);
    long message = string(error.getMessage(), "the error message");
    memory.writeInt(slot, error.code());
    pair(slot + 4, message);
  }
}
