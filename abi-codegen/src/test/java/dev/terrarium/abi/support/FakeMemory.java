package dev.terrarium.abi.support;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A guest memory backed by a byte array, bounds-checked like the real one. */
public final class FakeMemory implements GuestMemory {
  private final String pluginId;
  private final byte[] bytes;
  private final ByteBuffer buffer;

  public FakeMemory(String pluginId, int size) {
    this.pluginId = pluginId;
    this.bytes = new byte[size];
    this.buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private int check(int pointer, long length) {
    long start = Integer.toUnsignedLong(pointer);
    if (length < 0 || start + length > bytes.length) {
      throw new AbiViolationException(
          pluginId, "[" + start + ", " + (start + length) + ") lies outside the " + bytes.length + " bytes of memory");
    }
    return (int) start;
  }

  @Override
  public long size() {
    return bytes.length;
  }

  @Override
  public byte[] read(int pointer, int length) {
    int start = check(pointer, Integer.toUnsignedLong(length));
    return Arrays.copyOfRange(bytes, start, start + length);
  }

  @Override
  public void write(int pointer, byte[] data) {
    int start = check(pointer, data.length);
    System.arraycopy(data, 0, bytes, start, data.length);
  }

  @Override
  public int readInt(int pointer) {
    return buffer.getInt(check(pointer, 4));
  }

  @Override
  public void writeInt(int pointer, int value) {
    buffer.putInt(check(pointer, 4), value);
  }

  @Override
  public long readLong(int pointer) {
    return buffer.getLong(check(pointer, 8));
  }

  @Override
  public void writeLong(int pointer, long value) {
    buffer.putLong(check(pointer, 8), value);
  }

  @Override
  public String readUtf8(int pointer, int length) {
    byte[] data = read(pointer, length);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data))
          .toString();
    } catch (CharacterCodingException e) {
      throw new AbiViolationException(pluginId, "invalid UTF-8 at " + Integer.toUnsignedString(pointer));
    }
  }

  public float readFloat(int pointer) {
    return Float.intBitsToFloat(readInt(pointer));
  }

  public double readDouble(int pointer) {
    return Double.longBitsToDouble(readLong(pointer));
  }

  public void writeFloat(int pointer, float value) {
    writeInt(pointer, Float.floatToRawIntBits(value));
  }

  public void writeDouble(int pointer, double value) {
    writeLong(pointer, Double.doubleToRawLongBits(value));
  }
}
