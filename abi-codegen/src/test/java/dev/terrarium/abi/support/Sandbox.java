package dev.terrarium.abi.support;

import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import dev.terrarium.api.abi.Allocator;
import java.nio.charset.StandardCharsets;

/**
 * A pretend guest for tests without wasm: a memory, its allocator, and helpers that play the guest's part
 * (placing arguments in memory, reading what the host wrote). It is also the {@link HostCallContext} a host
 * import sees.
 */
public final class Sandbox implements HostCallContext {
  public static final String PLUGIN_ID = "test-plugin";

  public final FakeMemory memory;
  public final BumpAllocator allocator = new BumpAllocator(1024);

  public Sandbox(int memorySize) {
    this.memory = new FakeMemory(PLUGIN_ID, memorySize);
  }

  public Sandbox() {
    this(64 * 1024);
  }

  @Override
  public String pluginId() {
    return PLUGIN_ID;
  }

  @Override
  public GuestMemory memory() {
    return memory;
  }

  @Override
  public Allocator allocator() {
    return allocator;
  }

  /** Allocates {@code size} bytes as the guest would. */
  public int alloc(int size) {
    return allocator.alloc(size);
  }

  /** Places a string in memory and returns it packed {@code (ptr, len)}. */
  public long putString(String s) {
    return putBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Places bytes in memory and returns them packed {@code (ptr, len)}. */
  public long putBytes(byte[] b) {
    int pointer = b.length == 0 ? 0 : alloc(b.length);
    if (b.length > 0) {
      memory.write(pointer, b);
    }
    return AbiWriter.pack(pointer, b.length);
  }

  /** Reads the string a packed {@code (ptr, len)} designates. */
  public String string(long packed) {
    return string(AbiReader.pointer(packed), AbiReader.length(packed));
  }

  public String string(int pointer, int length) {
    return length == 0 ? "" : memory.readUtf8(pointer, length);
  }

  /** Writes a {@code (ptr, len)} pair at {@code address}. */
  public void pair(int address, long packed) {
    memory.writeInt(address, AbiReader.pointer(packed));
    memory.writeInt(address + 4, AbiReader.length(packed));
  }

  /** Reads the {@code (ptr, len)} pair at {@code address}, packed. */
  public long pairAt(int address) {
    return AbiWriter.pack(memory.readInt(address), memory.readInt(address + 4));
  }

  /** Reads the string whose {@code (ptr, len)} pair is at {@code address}. */
  public String stringAt(int address) {
    return string(pairAt(address));
  }
}
