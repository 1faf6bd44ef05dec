package dev.terrarium.abi.support;

import dev.terrarium.api.abi.Allocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guest's {@code alloc} and {@code dealloc}: hands out 8-byte aligned blocks from a growing pointer and
 * remembers which are live, so that tests can check who freed what. Freeing a block that is not live, or with
 * another size, fails the test.
 */
public final class BumpAllocator implements Allocator {
  private int next;
  private final Map<Integer, Integer> live = new LinkedHashMap<>();
  private final List<int[]> freed = new ArrayList<>();
  private int calls;
  /** When set, {@code alloc} returns this instead of a block (a misbehaving guest). */
  private Integer forcedResult;

  public BumpAllocator(int start) {
    this.next = start;
  }

  @Override
  public int alloc(int size) {
    calls++;
    if (forcedResult != null) {
      return forcedResult;
    }
    int pointer = (next + 7) & ~7;
    next = pointer + size;
    live.put(pointer, size);
    return pointer;
  }

  @Override
  public void dealloc(int pointer, int size) {
    Integer allocated = live.remove(pointer);
    if (allocated == null || allocated != size) {
      throw new AssertionError(
          "dealloc(" + pointer + ", " + size + ") but the live block there has size " + allocated);
    }
    freed.add(new int[] {pointer, size});
  }

  /** Makes every later {@code alloc} return {@code result}. */
  public void misbehave(int result) {
    forcedResult = result;
  }

  /** The live blocks: pointer → size. */
  public Map<Integer, Integer> live() {
    return Map.copyOf(live);
  }

  /** The freed blocks, as {@code {pointer, size}}, in order. */
  public List<int[]> freed() {
    return List.copyOf(freed);
  }

  public int allocCalls() {
    return calls;
  }

  public boolean isLive(int pointer) {
    return live.containsKey(pointer);
  }
}
