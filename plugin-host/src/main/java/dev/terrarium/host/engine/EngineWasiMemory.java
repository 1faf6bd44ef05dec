package dev.terrarium.host.engine;

import dev.terrarium.host.wasi.WasiMemory;
import run.endive.runtime.Memory;

/** {@link WasiMemory} over an Endive memory: every range is checked against the current size first. */
final class EngineWasiMemory implements WasiMemory {
  private final Memory memory;

  /** Over {@code memory}, or over no memory at all (every access faults) when it is {@code null}. */
  EngineWasiMemory(Memory memory) {
    this.memory = memory;
  }

  @Override
  public long size() {
    return memory == null ? 0 : (long) memory.pages() * Memory.PAGE_SIZE;
  }

  private int at(int address, int length) {
    if (Integer.toUnsignedLong(address) + length > size()) {
      throw WasiMemory.fault();
    }
    return address;
  }

  @Override
  public byte readByte(int address) {
    return memory.read(at(address, 1));
  }

  @Override
  public int readInt(int address) {
    return memory.readInt(at(address, 4));
  }

  @Override
  public long readLong(int address) {
    return memory.readLong(at(address, 8));
  }

  @Override
  public void writeByte(int address, byte value) {
    memory.writeByte(at(address, 1), value);
  }

  @Override
  public void writeShort(int address, short value) {
    memory.writeShort(at(address, 2), value);
  }

  @Override
  public void writeInt(int address, int value) {
    memory.writeI32(at(address, 4), value);
  }

  @Override
  public void writeLong(int address, long value) {
    memory.writeLong(at(address, 8), value);
  }

  @Override
  public byte[] read(int address, int length) {
    if (length < 0) {
      throw WasiMemory.fault();
    }
    return memory.readBytes(at(address, length), length);
  }

  @Override
  public void write(int address, byte[] src, int offset, int length) {
    memory.write(at(address, length), src, offset, length);
  }
}
