package dev.terrarium.examples.shell;

import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.PluginError;
import dev.terrarium.samples.abi.SharedState;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The application state that every session of the shell server shares: a list of integers ({@code add}, {@code
 * sum}) and a string map ({@code set}, {@code get}). Thread-safe. Each instance of the REPL reaches it through its
 * own {@link SharedState} view ({@link #view(HostCallContext)}), which knows the instance's tenant and counts its
 * operations.
 *
 * <p>Of the list, only its sum can be observed, so the store keeps the number of entries and their exact sum (a
 * {@link BigInteger}), not the entries: {@code add} costs no memory, and {@code sum} fails only when the exact sum
 * does not fit in a {@code long}. The map holds at most {@code maxBytes} bytes, counted as two bytes per character
 * of every key and value plus {@link #ENTRY_OVERHEAD} per entry (an upper bound of what the JVM keeps); a {@code
 * set} that would pass that budget fails with a {@link PluginError}, which the REPL prints in-band. Values are
 * never truncated: they are stored whole or not at all.
 */
public final class SharedStore {
  /** The bytes counted for each map entry besides its characters (the entry, two string headers, arrays). */
  public static final long ENTRY_OVERHEAD = 96;

  /** The {@link PluginError} code of a {@code sum} that does not fit in 64 bits (EOVERFLOW). */
  public static final int SUM_OVERFLOW = 75;

  /** The {@link PluginError} code of a {@code set} that the map's budget cannot hold (ENOSPC). */
  public static final int MAP_FULL = 28;

  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final long maxBytes;
  // Guarded by this.
  private BigInteger sum = BigInteger.ZERO;
  private long count;
  private final Map<String, String> map = new HashMap<>();
  private long bytes;

  private final Map<String, LongAdder> operations = new ConcurrentHashMap<>();
  private final AtomicInteger openViews = new AtomicInteger();

  /** @param maxBytes the most bytes the map may hold (see the class comment for how they are counted) */
  public SharedStore(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("the map's budget must be at least 1 byte, was " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Returns a view of the store for the instance that {@code ctx} describes; for {@code
   * PluginHost.Builder.hostImportsPerInstance(SharedState.class, store::view)}. The instance closes it when it
   * closes.
   */
  public SharedState view(HostCallContext ctx) {
    return new View(ctx.tenant() == null ? "-" : ctx.tenant(), ctx.instanceId());
  }

  /** Returns how many operations (add, sum, set, get) the instances of {@code tenant} have made. */
  public long operations(String tenant) {
    LongAdder n = operations.get(tenant);
    return n == null ? 0 : n.sum();
  }

  /** Returns the number of views whose instance is still open. */
  public int openViews() {
    return openViews.get();
  }

  /** Returns the bytes the map holds now, as counted against its budget. */
  public synchronized long mapBytes() {
    return bytes;
  }

  /** Returns the budget of the map in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Returns how many numbers have been added. */
  public synchronized long count() {
    return count;
  }

  synchronized void add(long n) {
    sum = sum.add(BigInteger.valueOf(n));
    count++;
  }

  synchronized long sum() throws PluginError {
    if (sum.compareTo(MIN) < 0 || sum.compareTo(MAX) > 0) {
      throw new PluginError(
          SUM_OVERFLOW, "the sum " + sum + " does not fit in a signed 64-bit integer; add a number to bring it back");
    }
    return sum.longValue();
  }

  synchronized void set(String key, String value) throws PluginError {
    String old = map.get(key);
    long after = bytes - (old == null ? 0 : cost(key, old)) + cost(key, value);
    if (after > maxBytes) {
      throw new PluginError(
          MAP_FULL,
          "the shared map cannot hold this value: it holds "
              + bytes
              + " of its "
              + maxBytes
              + " bytes, and key '"
              + abbreviate(key)
              + "' with a value of "
              + value.length()
              + " characters would make it "
              + after
              + "; the value was not stored (use a shorter value, or ask the operator for a larger --max-state-mib)");
    }
    map.put(key, value);
    bytes = after;
  }

  synchronized Optional<String> get(String key) {
    return Optional.ofNullable(map.get(key));
  }

  private static long cost(String key, String value) {
    return 2L * key.length() + 2L * value.length() + ENTRY_OVERHEAD;
  }

  private static String abbreviate(String key) {
    return key.length() <= 40 ? key : key.substring(0, 40) + "...";
  }

  /** One instance's view: the store's operations, counted for the instance's tenant. */
  private final class View implements SharedState, AutoCloseable {
    private final LongAdder tenantOperations;
    private final String tenant;
    private final long instanceId;
    private boolean closed;

    View(String tenant, long instanceId) {
      this.tenant = Objects.requireNonNull(tenant);
      this.instanceId = instanceId;
      this.tenantOperations = operations.computeIfAbsent(tenant, t -> new LongAdder());
      openViews.incrementAndGet();
    }

    @Override
    public void add(long n) {
      tenantOperations.increment();
      SharedStore.this.add(n);
    }

    @Override
    public long sum() throws PluginError {
      tenantOperations.increment();
      return SharedStore.this.sum();
    }

    @Override
    public void set(String key, String value) throws PluginError {
      tenantOperations.increment();
      SharedStore.this.set(key, value);
    }

    @Override
    public Optional<String> get(String key) {
      tenantOperations.increment();
      return SharedStore.this.get(key);
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        openViews.decrementAndGet();
      }
    }

    @Override
    public String toString() {
      return "SharedState[tenant " + tenant + ", instance " + instanceId + "]";
    }
  }
}
