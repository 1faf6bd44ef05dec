package dev.terrarium.host.engine;

import dev.terrarium.api.WasmType;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance's externref handles: the Java objects the host passed to the guest (or the guest handed back),
 * each under a {@code long} handle. The guest itself holds the objects, which it cannot inspect or make; only
 * the host sees handles. A handle carries a tag of its instance in its high 32 bits, so one instance's handle
 * given to another is refused instead of naming another object, and {@link WasmType#NULL_REF} is never a handle.
 * Objects stay referenced until the instance is closed.
 */
final class ExternRefs {
  private static final AtomicInteger NEXT_TAG =
      new AtomicInteger(new java.security.SecureRandom().nextInt() & 0x3fffffff);

  private final long tag;
  private final List<Object> objects = new ArrayList<>();
  private final Map<Object, Integer> indexes = new IdentityHashMap<>();

  ExternRefs() {
    // 31 bits, never 0: handles are positive and distinct from NULL_REF.
    int t = NEXT_TAG.incrementAndGet() & 0x7fffffff;
    this.tag = (t == 0 ? 1 : t);
  }

  /** Returns the handle of {@code object} (the same handle each time), or {@link WasmType#NULL_REF} for null. */
  long handle(Object object) {
    if (object == null) {
      return WasmType.NULL_REF;
    }
    Integer index = indexes.get(object);
    if (index == null) {
      index = objects.size();
      objects.add(object);
      indexes.put(object, index);
    }
    return tag << 32 | index;
  }

  /** Returns the object under {@code handle}, or null for {@link WasmType#NULL_REF}; throws for any other value. */
  Object object(long handle) {
    if (handle == WasmType.NULL_REF) {
      return null;
    }
    long index = handle & 0xFFFFFFFFL;
    if ((handle >>> 32) != tag || index >= objects.size()) {
      throw new IllegalArgumentException(
          "0x" + Long.toHexString(handle) + " is not an externref handle of this instance: make one with"
              + " externRef(object) on the instance that receives it, or pass " + WasmType.NULL_REF + " for null");
    }
    return objects.get((int) index);
  }

  /** Forgets every object. */
  void clear() {
    objects.clear();
    indexes.clear();
  }
}
