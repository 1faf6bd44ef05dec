package dev.terrarium.host.engine;

import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.AbiViolationException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
  public String readUtf8(int pointer, int length) {
    byte[] bytes = read(pointer, length);
    // Fast path: the JDK's decoder is intrinsic; it only substitutes U+FFFD for malformed input, so a result
    // without U+FFFD came from valid UTF-8. Otherwise decide with a strict decoder (the text may hold U+FFFD).
    String s = new String(bytes, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') < 0) {
      return s;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new AbiViolationException(
          pluginId, "the " + length + " bytes at " + Integer.toUnsignedLong(pointer) + " are not valid UTF-8");
    }
  }
}
