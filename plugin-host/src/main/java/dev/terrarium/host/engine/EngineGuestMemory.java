package dev.terrarium.host.engine;

import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.AbiViolationException;
import dev.terrarium.host.internal.Utf8;
import java.nio.charset.CharacterCodingException;
import run.endive.runtime.Memory;

/** {@link GuestMemory} over an Endive memory, checking every pointer and length against its current size. */
final class EngineGuestMemory implements GuestMemory {
  private final String pluginId;
  private final Memory memory;

  EngineGuestMemory(String pluginId, Memory memory) {
    this.pluginId = pluginId;
    this.memory = memory;
  }

  @Override
  public long size() {
    return (long) memory.pages() * Memory.PAGE_SIZE;
  }

  private int check(int pointer, long length) {
    long start = Integer.toUnsignedLong(pointer);
    if (length < 0 || start + length > size()) {
      throw new AbiViolationException(
          pluginId,
          "range [" + start + ", " + (start + length) + ") is outside the guest's " + size() + " bytes of memory");
    }
    return pointer;
  }

  @Override
  public byte[] read(int pointer, int length) {
    return memory.readBytes(check(pointer, Integer.toUnsignedLong(length)), length);
  }

  @Override
  public void write(int pointer, byte[] bytes) {
    memory.write(check(pointer, bytes.length), bytes, 0, bytes.length);
  }

  @Override
  public int readInt(int pointer) {
    return memory.readInt(check(pointer, 4));
  }

  @Override
  public void writeInt(int pointer, int value) {
    memory.writeI32(check(pointer, 4), value);
  }

  @Override
  public long readLong(int pointer) {
    return memory.readLong(check(pointer, 8));
  }

  @Override
  public void writeLong(int pointer, long value) {
    memory.writeLong(check(pointer, 8), value);
  }

  @Override
  public int limitPagesIfReached() {
    if (memory instanceof GuardedMemory g && (g.growRefused() || g.pages() >= g.limitPages())) {
      return g.limitPages();
    }
    return -1;
  }

  @Override
  public String readUtf8(int pointer, int length) {
    byte[] bytes = read(pointer, length);
    try {
      return Utf8.decode(bytes);
    } catch (CharacterCodingException e) {
      throw new AbiViolationException(
          pluginId, "the " + length + " bytes at " + Integer.toUnsignedLong(pointer) + " are not valid UTF-8");
    }
  }
}
