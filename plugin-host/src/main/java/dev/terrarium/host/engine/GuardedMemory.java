package dev.terrarium.host.engine;

import run.endive.runtime.ByteBufferMemory;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.wasm.types.DataSegment;
import run.endive.wasm.types.MemoryLimits;

/**
 * The linear memory of one instance: Endive's memory, with a record of growth refused by the page limit, so
 * that a guest failing right after it ran out of memory is reported as {@code MemoryLimitException} rather than
 * as a bare trap. Everything else delegates.
 */
final class GuardedMemory implements Memory {
  private final ByteBufferMemory delegate;
  private final int limitPages;
  private boolean refused;
  /** The instance, once it exists: a refusal takes its calls off the direct path until the next call resets it. */
  EngineInstance owner;

  GuardedMemory(MemoryLimits limits, int limitPages) {
    this.delegate = new ByteBufferMemory(limits);
    this.limitPages = limitPages;
  }

  /** Forgets refusals recorded before the current call. */
  void resetRefusals() {
    refused = false;
    if (owner != null) {
      owner.blocked &= ~EngineInstance.REFUSED;
    }
  }

  /** Returns whether a grow was refused since {@link #resetRefusals}. */
  boolean growRefused() {
    return refused;
  }

  int limitPages() {
    return limitPages;
  }

  @Override
  public int grow(int delta) {
    int result = delegate.grow(delta);
    if (result < 0) {
      refused = true;
      if (owner != null) {
        owner.blocked |= EngineInstance.REFUSED;
      }
    }
    return result;
  }

  @Override
  public Object lock(int a0) {
    return delegate.lock(a0);
  }

  @Override
  public int waitOn(int a0, int a1, long a2) {
    return delegate.waitOn(a0, a1, a2);
  }

  @Override
  public int waitOn(int a0, long a1, long a2) {
    return delegate.waitOn(a0, a1, a2);
  }

  @Override
  public int notify(int a0, int a1) {
    return delegate.notify(a0, a1);
  }

  @Override
  public int pages() {
    return delegate.pages();
  }

  @Override
  public int initialPages() {
    return delegate.initialPages();
  }

  @Override
  public int maximumPages() {
    return delegate.maximumPages();
  }

  @Override
  public boolean shared() {
    return delegate.shared();
  }

  @Override
  public void initialize(Instance a0, DataSegment[] a1) {
    delegate.initialize(a0, a1);
  }

  @Override
  public void initialize(Instance a0, DataSegment[] a1, int a2) {
    delegate.initialize(a0, a1, a2);
  }

  @Override
  public void initPassiveSegment(int a0, int a1, int a2, int a3) {
    delegate.initPassiveSegment(a0, a1, a2, a3);
  }

  @Override
  public void write(int a0, byte[] a1, int a2, int a3) {
    delegate.write(a0, a1, a2, a3);
  }

  @Override
  public byte read(int a0) {
    return delegate.read(a0);
  }

  @Override
  public byte[] readBytes(int a0, int a1) {
    return delegate.readBytes(a0, a1);
  }

  @Override
  public void writeI32(int a0, int a1) {
    delegate.writeI32(a0, a1);
  }

  @Override
  public int readInt(int a0) {
    return delegate.readInt(a0);
  }

  @Override
  public void writeLong(int a0, long a1) {
    delegate.writeLong(a0, a1);
  }

  @Override
  public long readLong(int a0) {
    return delegate.readLong(a0);
  }

  @Override
  public void writeShort(int a0, short a1) {
    delegate.writeShort(a0, a1);
  }

  @Override
  public short readShort(int a0) {
    return delegate.readShort(a0);
  }

  @Override
  public long readU16(int a0) {
    return delegate.readU16(a0);
  }

  @Override
  public void writeByte(int a0, byte a1) {
    delegate.writeByte(a0, a1);
  }

  @Override
  public void writeF32(int a0, float a1) {
    delegate.writeF32(a0, a1);
  }

  @Override
  public long readF32(int a0) {
    return delegate.readF32(a0);
  }

  @Override
  public float readFloat(int a0) {
    return delegate.readFloat(a0);
  }

  @Override
  public void writeF64(int a0, double a1) {
    delegate.writeF64(a0, a1);
  }

  @Override
  public double readDouble(int a0) {
    return delegate.readDouble(a0);
  }

  @Override
  public long readF64(int a0) {
    return delegate.readF64(a0);
  }

  @Override
  public void zero() {
    delegate.zero();
  }

  @Override
  public void fill(byte a0, int a1, int a2) {
    delegate.fill(a0, a1, a2);
  }

  @Override
  public void copy(int a0, int a1, int a2) {
    delegate.copy(a0, a1, a2);
  }

  @Override
  public void drop(int a0) {
    delegate.drop(a0);
  }
}
