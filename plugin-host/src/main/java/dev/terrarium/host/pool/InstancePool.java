package dev.terrarium.host.pool;

import dev.terrarium.api.CallInterruptedException;
import dev.terrarium.api.PluginExports;
import dev.terrarium.api.PoolClosedException;
import dev.terrarium.api.PoolExhaustedException;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.internal.ObjectMethods;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A bounded pool of {@link PluginInstance}s of one plugin for one tenant, for callers on many threads: each
 * borrower has an instance to itself until it returns it.
 *
 * <pre>{@code
 * try (InstancePool pool = InstancePool.builder(plugin, tenant).maxSize(8).build()) {
 *   try (InstancePool.Lease lease = pool.borrow()) {
 *     long[] sum = lease.instance().call("add", 40, 2);
 *   }
 *   Greeter greeter = pool.exports(Greeter.class); // borrows an instance for each call
 * }
 * }</pre>
 *
 * <p>The pool holds at most {@code maxSize} instances, lent or idle. A borrower that finds all of them in use
 * waits up to the borrow timeout, then gets {@link PoolExhaustedException}. What happens to a returned instance
 * depends on the {@link ResetPolicy}: by default ({@link ResetPolicy#FRESH}) it is closed and no borrower ever
 * gets an instance another caller used. An instance returned unusable (broken by a trap, timeout, fuel
 * exhaustion, or closed by its borrower) is closed and replaced. The pool keeps {@code minIdle} instances ready,
 * creating them at {@link Builder#build()} and afterwards on a shared background thread, and closes instances
 * idle longer than the idle timeout, down to {@code minIdle}.
 *
 * <p>Thread-safe. Borrowing takes no lock: a semaphore bounds the borrowers and idle instances sit in an array
 * of slots taken and filled by compare-and-set. {@link #with}, {@link #call} and {@link #exports} allocate
 * nothing per borrow; {@link #borrow()} allocates one small {@link Lease}, so that a lease kept after it was
 * returned cannot reach the instance another borrower holds.
 */
public final class InstancePool implements AutoCloseable {
  /** The default most instances a pool holds. */
  public static final int DEFAULT_MAX_SIZE = 8;

  /** The default time a borrower waits for an instance. */
  public static final Duration DEFAULT_BORROW_TIMEOUT = Duration.ofSeconds(5);

  /** The default time an idle instance is kept beyond the pool's minimum. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

  /** Idle instances are swept this many times per idle timeout. */
  private static final int SWEEPS_PER_IDLE_TIMEOUT = 4;

  private static final long MIN_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** How long a borrower that holds a permit but finds no instance to take or create sleeps before it looks again. */
  private static final long RETRY_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final Plugin plugin;
  private final Tenant tenant;
  private final int maxSize;
  private final int minIdle;
  private final Duration borrowTimeout;
  private final long borrowTimeoutNanos;
  private final Duration idleTimeout;
  private final ResetPolicy policy;
  private final Supplier<InstanceOptions> options;

  /** One permit per instance that may be lent at once. */
  private final Semaphore permits;

  /** Idle instances; a slot is null when empty. */
  private final AtomicReferenceArray<Entry> slots;

  /** Instances that exist: idle, lent, or being created. Never above {@link #maxSize}. */
  private final AtomicInteger live = new AtomicInteger();

  private final AtomicBoolean replenishing = new AtomicBoolean();
  private final ScheduledFuture<?> sweeps;
  private volatile boolean closed;

  /** Advanced by every sweep; an idle instance remembers the tick at which it was returned. */
  private volatile long tick;

  private final LongAdder created = new LongAdder();
  private final LongAdder destroyed = new LongAdder();
  private final LongAdder brokenReplaced = new LongAdder();
  private final LongAdder failedCreations = new LongAdder();
  private final LongAdder evicted = new LongAdder();
  private final LongAdder borrows = new LongAdder();
  private final LongAdder returns = new LongAdder();
  private final LongAdder waits = new LongAdder();
  private final LongAdder timeouts = new LongAdder();

  /** An instance in the pool, with what the pool keeps about it. Confined to its borrower while lent. */
  static final class Entry {
    final PluginInstance instance;
    /** The {@link #tick} at which it last became idle. */
    long idleSince;
    /** Typed bindings made for this instance by {@link #exports}. */
    private Map<Class<?>, Object> bindings;

    Entry(PluginInstance instance) {
      this.instance = instance;
    }

    Object binding(Class<?> type) {
      if (bindings == null) {
        bindings = new HashMap<>(4);
      }
      Object b = bindings.get(type);
      if (b == null) {
        b = instance.exports(type);
        bindings.put(type, b);
      }
      return b;
    }
  }

  private InstancePool(Builder b) {
    this.plugin = b.plugin;
    this.tenant = b.tenant;
    this.maxSize = b.maxSize;
    this.minIdle = b.minIdle;
    this.borrowTimeout = b.borrowTimeout;
    this.borrowTimeoutNanos = saturatedNanos(b.borrowTimeout);
    this.idleTimeout = b.idleTimeout;
    this.policy = b.policy;
    this.options = b.options;
    this.permits = new Semaphore(maxSize);
    this.slots = new AtomicReferenceArray<>(maxSize);
    for (int i = 0; i < minIdle; i++) {
      try {
        addIdle();
      } catch (RuntimeException | Error e) {
        close();
        throw e;
      }
    }
    this.sweeps =
        PoolMaintenance.scheduleSweeps(
            this, Math.max(MIN_SWEEP_NANOS, saturatedNanos(idleTimeout) / SWEEPS_PER_IDLE_TIMEOUT));
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Starts a pool of instances of {@code plugin} for {@code tenant}, which must come from the host that loaded
   * the plugin.
   *
   * @throws IllegalArgumentException when either is null
   */
  public static Builder builder(Plugin plugin, Tenant tenant) {
    if (plugin == null) {
      throw new IllegalArgumentException("plugin must not be null: pass the Plugin that PluginHost.load returned");
    }
    if (tenant == null) {
      throw new IllegalArgumentException(
          "tenant must not be null: a pool serves one tenant of plugin '" + plugin.id() + "'; get it with"
              + " host.tenant(id)");
    }
    return new Builder(plugin, tenant);
  }

  public Plugin plugin() {
    return plugin;
  }

  public Tenant tenant() {
    return tenant;
  }

  public int maxSize() {
    return maxSize;
  }

  public int minIdle() {
    return minIdle;
  }

  public Duration borrowTimeout() {
    return borrowTimeout;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  public ResetPolicy resetPolicy() {
    return policy;
  }

  /**
   * Lends an instance until the lease is closed; use it in a try-with-resources statement. The instance is
   * confined to the borrower: call it from one thread at a time, and not after the lease is closed.
   *
   * @throws PoolExhaustedException when every instance stayed in use for the borrow timeout
   * @throws PoolClosedException when the pool is closed
   * @throws dev.terrarium.api.PluginInstantiationException when a new instance was needed and could not be
   *     created (the plugin's start function failed, the tenant ran out of fuel, ...)
   * @throws CallInterruptedException when the thread was interrupted while waiting (the flag is restored)
   */
  public Lease borrow() {
    return new Lease(this, acquire());
  }

  /**
   * Borrows an instance, applies {@code function} to it, and returns the instance, whatever {@code function}
   * throws (which passes through unchanged). {@code function} must not keep the instance.
   *
   * @throws IllegalArgumentException when {@code function} is null
   * @throws PoolExhaustedException as {@link #borrow()} does, and every failure that {@link #borrow()} names
   */
  public <R> R with(Function<? super PluginInstance, ? extends R> function) {
    if (function == null) {
      throw new IllegalArgumentException("function must not be null: give the work to do with the instance");
    }
    Entry e = acquire();
    try {
      return function.apply(e.instance);
    } finally {
      release(e, false);
    }
  }

  /**
   * Borrows an instance, calls its export {@code name} with numeric arguments (as {@link
   * PluginInstance#call(String, long...)} does), and returns the instance.
   *
   * @throws IllegalArgumentException when {@code name} or {@code args} is null
   */
  public long[] call(String name, long... args) {
    if (name == null) {
      throw new IllegalArgumentException("export name must not be null");
    }
    if (args == null) {
      throw new IllegalArgumentException("args must not be null: pass no arguments for an export that takes none");
    }
    Entry e = acquire();
    try {
      return e.instance.call(name, args);
    } finally {
      release(e, false);
    }
  }

  /**
   * Returns a typed proxy for an interface annotated {@code @PluginExports} that borrows an instance for each
   * method call, calls it through the instance's own binding ({@link PluginInstance#exports}, made once per
   * instance), and returns the instance. The proxy is thread-safe. Failures of the call pass through unchanged,
   * as do those of {@link #borrow()}; a module that does not match the interface fails the first call with
   * {@link dev.terrarium.api.BadExportException}.
   *
   * @throws IllegalArgumentException when {@code type} is null, not an interface, or not annotated
   */
  public <T> T exports(Class<T> type) {
    if (type == null) {
      throw new IllegalArgumentException("type must not be null: pass the @PluginExports interface");
    }
    if (!type.isInterface() || !type.isAnnotationPresent(PluginExports.class)) {
      throw new IllegalArgumentException(
          type.getName() + " is not an interface annotated @PluginExports; a pool can only proxy one");
    }
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new PooledExports(type)));
  }

  /** Returns a snapshot of the pool's counters. */
  public PoolStats stats() {
    long b = borrows.sum();
    long r = returns.sum();
    return new PoolStats(
        created.sum(),
        destroyed.sum(),
        brokenReplaced.sum(),
        failedCreations.sum(),
        evicted.sum(),
        b,
        waits.sum(),
        timeouts.sum(),
        idleCount(),
        (int) Math.max(0, b - r));
  }

  /** Returns whether {@link #close()} was called. */
  public boolean closed() {
    return closed;
  }

  /**
   * Closes every idle instance and refuses further borrows (with {@link PoolClosedException}, also for borrowers
   * waiting now). Instances lent now are closed when they are returned. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (sweeps != null) {
      sweeps.cancel(false);
    }
    // Wake every waiting borrower: each sees the pool closed and gives its permit back.
    permits.release(1 << 20);
    drainIdle();
  }

  @Override
  public String toString() {
    return "InstancePool[plugin '" + plugin.id() + "', tenant '" + tenant.id() + "', " + policy + ", max " + maxSize
        + "]";
  }

  // --- lending ---------------------------------------------------------------------------------------------------

  private Entry acquire() {
    if (closed) {
      throw new PoolClosedException(plugin.id(), tenant.id());
    }
    long deadline = 0;
    if (!permits.tryAcquire()) {
      waits.increment();
      deadline = System.nanoTime() + borrowTimeoutNanos;
      boolean got;
      try {
        got = borrowTimeoutNanos > 0 && permits.tryAcquire(borrowTimeoutNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CallInterruptedException(plugin.id(), null, e);
      }
      if (!got) {
        timeouts.increment();
        throw new PoolExhaustedException(plugin.id(), tenant.id(), maxSize, borrowTimeout);
      }
    }
    boolean lent = false;
    try {
      Entry e = obtain(deadline);
      lent = true;
      borrows.increment();
      return e;
    } finally {
      if (!lent) {
        permits.release();
      }
    }
  }

  /** With a permit held: takes an idle instance, or creates one. */
  private Entry obtain(long deadline) {
    for (; ; ) {
      if (closed) {
        throw new PoolClosedException(plugin.id(), tenant.id());
      }
      Entry e = takeIdle();
      if (e != null) {
        if (policy == ResetPolicy.FRESH && minIdle > 0) {
          replenish();
        }
        return e;
      }
      if (reserve()) {
        return createReserved();
      }
      // Every instance the pool may hold exists, and one is idle or being made for a borrower without one:
      // rare (only while a background replacement is under way); look again shortly.
      if (deadline == 0) {
        deadline = System.nanoTime() + borrowTimeoutNanos;
      } else if (System.nanoTime() - deadline > 0) {
        timeouts.increment();
        throw new PoolExhaustedException(plugin.id(), tenant.id(), maxSize, borrowTimeout);
      }
      LockSupport.parkNanos(this, RETRY_NANOS);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new CallInterruptedException(plugin.id(), null, null);
      }
    }
  }

  /**
   * Takes back an instance; closes it unless the policy keeps it, it still works, and it runs the plugin's current
   * tier (an interpreted instance of a plugin whose background compile has finished is replaced by a compiled one).
   */
  void release(Entry e, boolean discard) {
    returns.increment();
    try {
      PluginInstance instance = e.instance;
      boolean usable = instance.usable();
      boolean outTiered = !instance.compiled() && plugin.compiled();
      if (!usable || discard || policy == ResetPolicy.FRESH || closed || outTiered) {
        if (!usable) {
          brokenReplaced.increment();
        }
        destroy(e);
        if (!closed && minIdle > 0) {
          replenish();
        }
      } else {
        e.idleSince = tick;
        putIdle(e);
        if (closed) {
          drainIdle(); // close() ran while the instance was being put back
        }
      }
    } finally {
      permits.release();
    }
  }

  // --- instances -------------------------------------------------------------------------------------------------

  /** Reserves room for one more instance. */
  private boolean reserve() {
    for (; ; ) {
      int n = live.get();
      if (n >= maxSize) {
        return false;
      }
      if (live.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Creates an instance in room already reserved, giving the room back when creation fails. */
  private Entry createReserved() {
    boolean done = false;
    try {
      InstanceOptions o = options.get();
      if (o == null) {
        throw new IllegalStateException(
            "the pool's instanceOptions supplier returned null; it must return options for each instance");
      }
      Entry e = new Entry(plugin.instantiate(tenant, o));
      created.increment();
      done = true;
      return e;
    } finally {
      if (!done) {
        live.decrementAndGet();
        failedCreations.increment();
      }
    }
  }

  /** Creates one idle instance if there is room; returns whether it did. */
  private boolean addIdle() {
    if (!reserve()) {
      return false;
    }
    Entry e = createReserved();
    e.idleSince = tick;
    putIdle(e);
    if (closed) {
      drainIdle();
    }
    return true;
  }

  private void destroy(Entry e) {
    try {
      e.instance.close();
    } catch (RuntimeException ignored) {
      // Closing frees memory and gives fuel back; a failure there must not stop the pool.
    } finally {
      live.decrementAndGet();
      destroyed.increment();
    }
  }

  /** Asks the maintenance thread to bring the idle instances up to {@code minIdle}. */
  private void replenish() {
    if (replenishing.compareAndSet(false, true)) {
      try {
        PoolMaintenance.execute(this::fill);
      } catch (RuntimeException rejected) {
        replenishing.set(false);
      }
    }
  }

  private void fill() {
    try {
      while (!closed && idleCount() < minIdle && addIdle()) {
        // one more
      }
    } catch (RuntimeException failed) {
      // Counted in failedCreations; the next borrower that needs an instance sees the failure itself.
    } finally {
      replenishing.set(false);
    }
  }

  /** One sweep of idle instances; returns false once the pool is closed, to stop the sweeps. */
  boolean sweep() {
    if (closed) {
      return false;
    }
    long now = ++tick;
    long oldest = now - SWEEPS_PER_IDLE_TIMEOUT - 1;
    int idle = idleCount();
    for (int i = 0; i < slots.length() && idle > minIdle; i++) {
      Entry e = slots.get(i);
      if (e != null && e.idleSince <= oldest && slots.compareAndSet(i, e, null)) {
        destroy(e);
        evicted.increment();
        idle--;
      }
    }
    return true;
  }

  private Entry takeIdle() {
    for (int i = 0; i < slots.length(); i++) {
      Entry e = slots.get(i);
      if (e != null && slots.compareAndSet(i, e, null)) {
        return e;
      }
    }
    return null;
  }

  private void putIdle(Entry e) {
    // There is always an empty slot: idle instances never outnumber the live ones, which are at most maxSize.
    for (; ; ) {
      for (int i = 0; i < slots.length(); i++) {
        if (slots.get(i) == null && slots.compareAndSet(i, null, e)) {
          return;
        }
      }
      Thread.onSpinWait();
    }
  }

  private void drainIdle() {
    for (int i = 0; i < slots.length(); i++) {
      Entry e = slots.get(i);
      if (e != null && slots.compareAndSet(i, e, null)) {
        destroy(e);
      }
    }
  }

  private int idleCount() {
    int n = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) != null) {
        n++;
      }
    }
    return n;
  }

  /**
   * An instance lent by {@link #borrow()}; closing the lease returns the instance to the pool. Not thread-safe,
   * like the instance.
   */
  public static final class Lease implements AutoCloseable {
    private final InstancePool pool;
    private Entry entry;

    Lease(InstancePool pool, Entry entry) {
      this.pool = pool;
      this.entry = entry;
    }

    /**
     * Returns the lent instance.
     *
     * @throws IllegalStateException when the lease was already closed
     */
    public PluginInstance instance() {
      Entry e = entry;
      if (e == null) {
        throw new IllegalStateException(
            "this lease of " + pool + " was closed and its instance returned; borrow another");
      }
      return e.instance;
    }

    /**
     * Returns the instance but has the pool close it instead of lending it again, whatever the policy: for a
     * borrower that left the instance in a state no one else should see. Idempotent, like {@link #close()}.
     */
    public void discard() {
      Entry e = entry;
      if (e != null) {
        entry = null;
        pool.release(e, true);
      }
    }

    /** Returns the instance to the pool. Idempotent. */
    @Override
    public void close() {
      Entry e = entry;
      if (e != null) {
        entry = null;
        pool.release(e, false);
      }
    }
  }

  /** The handler of {@link #exports} proxies. */
  private final class PooledExports implements InvocationHandler {
    private final Class<?> type;

    PooledExports(Class<?> type) {
      this.type = type;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (ObjectMethods.handles(method)) {
        return ObjectMethods.invoke(proxy, method, args, "pooled " + type.getSimpleName() + " of " + InstancePool.this);
      }
      Entry e = acquire();
      try {
        return method.invoke(e.binding(type), args);
      } catch (InvocationTargetException failure) {
        throw failure.getCause();
      } finally {
        release(e, false);
      }
    }
  }

  /** Builds an {@link InstancePool}; each setter validates its value and names it when it is bad. */
  public static final class Builder {
    private final Plugin plugin;
    private final Tenant tenant;
    private int maxSize = DEFAULT_MAX_SIZE;
    private int minIdle;
    private Duration borrowTimeout = DEFAULT_BORROW_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private ResetPolicy policy = ResetPolicy.FRESH;
    private Supplier<InstanceOptions> options = InstanceOptions::defaults;

    private Builder(Plugin plugin, Tenant tenant) {
      this.plugin = plugin;
      this.tenant = tenant;
    }

    /** Sets the most instances the pool holds, lent and idle together (default 8). */
    public Builder maxSize(int instances) {
      if (instances < 1) {
        throw new IllegalArgumentException("maxSize must be at least 1, was " + instances);
      }
      this.maxSize = instances;
      return this;
    }

    /**
     * Sets how many instances the pool keeps ready (default 0): created by {@link #build()}, and afterwards
     * replaced on the pool's background thread as borrowers take them (under {@link ResetPolicy#FRESH}) or as
     * broken ones are dropped. Idle eviction never goes below it. At most {@code maxSize}.
     */
    public Builder minIdle(int instances) {
      if (instances < 0) {
        throw new IllegalArgumentException("minIdle must not be negative, was " + instances);
      }
      this.minIdle = instances;
      return this;
    }

    /**
     * Sets how long {@link #borrow()} waits for an instance when all are in use (default 5 s); zero fails at once.
     */
    public Builder borrowTimeout(Duration timeout) {
      if (timeout == null) {
        throw new IllegalArgumentException("borrowTimeout must not be null; use Duration.ZERO to never wait");
      }
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("borrowTimeout must not be negative, was " + timeout);
      }
      this.borrowTimeout = timeout;
      return this;
    }

    /**
     * Sets how long an instance may stay idle beyond the first {@code minIdle} before the pool closes it (default
     * 10 minutes). Idle instances are swept four times per idle timeout, so an instance is closed between the
     * idle timeout and a quarter more after it was returned.
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout == null) {
        throw new IllegalArgumentException("idleTimeout must not be null");
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive, was " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /** Sets what happens to a returned instance (default {@link ResetPolicy#FRESH}). */
    public Builder resetPolicy(ResetPolicy resetPolicy) {
      if (resetPolicy == null) {
        throw new IllegalArgumentException("resetPolicy must not be null: FRESH or REUSE");
      }
      this.policy = resetPolicy;
      return this;
    }

    /**
     * Sets the options of each new instance, asked once per instance (each may need its own streams). Called on
     * the borrower's thread, or on the pool's background thread for the {@code minIdle} instances.
     */
    public Builder instanceOptions(Supplier<InstanceOptions> perInstance) {
      if (perInstance == null) {
        throw new IllegalArgumentException(
            "instanceOptions must not be null; the default is InstanceOptions::defaults");
      }
      this.options = perInstance;
      return this;
    }

    /**
     * Builds the pool and creates its {@code minIdle} instances on this thread.
     *
     * @throws IllegalArgumentException when {@code minIdle} is above {@code maxSize}
     * @throws dev.terrarium.api.PluginInstantiationException when a pre-warmed instance cannot be created
     */
    public InstancePool build() {
      if (minIdle > maxSize) {
        throw new IllegalArgumentException("minIdle (" + minIdle + ") must not be above maxSize (" + maxSize + ")");
      }
      return new InstancePool(this);
    }
  }
}
