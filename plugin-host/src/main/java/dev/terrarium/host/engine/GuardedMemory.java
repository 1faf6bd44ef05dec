package dev.terrarium.host.engine;

import run.endive.runtime.ByteArrayMemory;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.wasm.types.DataSegment;
import run.endive.wasm.types.MemoryLimits;

/**
 * The linear memory of one instance: Endive's memory, with a record of growth refused by the page limit, so
 * that a guest failing right after it ran out of memory is reported as {@code MemoryLimitException} rather than
 * as a bare trap. Everything else delegates.
 *
 * <p>Endive's {@code ByteArrayMemory} sizes its page table for its maximum when it is made: 16 KiB per instance
 * for the default limit of 4096 pages, more than a tenth of a small plugin's idle footprint. So the delegate is
 * made for a smaller capacity ({@link #INITIAL_CAPACITY} pages, or the initial size) and replaced by one of at
 * least twice the capacity when the guest grows past it, its pages copied; the bound the guest sees is always
 * the real maximum. Copies double, so a memory grown page by page to its size has been copied less than twice
 * over in all.
 */
final class GuardedMemory implements Memory {
  private static final int PAGE_SIZE = 65536;
  /** The pages the first delegate has room for (unless the memory starts bigger, or may not grow as far). */
  static final int INITIAL_CAPACITY = 16;

  private ByteArrayMemory delegate;
  /** The real bounds: the delegate's own may be lower (its capacity). */
  private final int initialPages;
  private final int maximumPages;
  /** What the engine initialised the memory with, to carry over to a bigger delegate. */
  private Instance initializedBy;
  private DataSegment[] segments;
  private final int limitPages;
  private boolean refused;

  GuardedMemory(MemoryLimits limits, int limitPages) {
    this.initialPages = limits.initialPages();
    this.maximumPages = limits.maximumPages();
    int capacity = Math.min(maximumPages, Math.max(initialPages, INITIAL_CAPACITY));
    this.delegate = new ByteArrayMemory(new MemoryLimits(initialPages, capacity));
    this.limitPages = limitPages;
  }

  /** Moves the memory to a delegate with room for {@code capacity} pages. */
  private void migrate(int capacity) {
    ByteArrayMemory old = delegate;
    int pages = old.pages();
    ByteArrayMemory fresh = new ByteArrayMemory(new MemoryLimits(pages, capacity));
    for (int p = 0; p < pages; p++) {
      int address = p * PAGE_SIZE;
      fresh.write(address, old.readBytes(address, PAGE_SIZE));
    }
    if (segments != null) {
      // The same segments (with the drops made so far), without writing the active ones again: no memory has
      // index -1, so initialize only records them.
      fresh.initialize(initializedBy, segments, -1);
    }
    delegate = fresh;
  }

  /** Returns how many pages the current delegate has room for (for tests). */
  int capacity() {
    return delegate.maximumPages();
  }

  /** Forgets refusals recorded before the current call. */
  void resetRefusals() {
    refused = false;
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
    int current = delegate.pages();
    long wanted = (long) current + delta;
    if (delta > 0 && wanted <= maximumPages && wanted > delegate.maximumPages()) {
      migrate((int) Math.min(maximumPages, Math.max(wanted, 2L * delegate.maximumPages())));
    }
    int result = delegate.grow(delta);
    if (result < 0) {
      refused = true;
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
    return initialPages;
  }

  @Override
  public int maximumPages() {
    return maximumPages;
  }

  @Override
  public boolean shared() {
    return delegate.shared();
  }

  @Override
  public void initialize(Instance a0, DataSegment[] a1) {
    initialize(a0, a1, 0);
  }

  @Override
  public void initialize(Instance a0, DataSegment[] a1, int a2) {
    initializedBy = a0;
    segments = a1;
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
