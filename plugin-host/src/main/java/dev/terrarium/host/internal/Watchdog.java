package dev.terrarium.host.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts guest calls that run past their deadline. One daemon thread per host scans the registered slots
 * every {@link #TICK_MILLIS} milliseconds. Entering a call reads no clock: it publishes a new call number in
 * one release store, and the watchdog stamps each call with its own clock the first time it sees it running.
 * Since that stamp is never earlier than the call's real start, a call is never interrupted before its
 * deadline; it is interrupted at most about two ticks after it.
 */
public final class Watchdog implements AutoCloseable {
  /** How often the watchdog looks at running calls, in milliseconds. */
  public static final long TICK_MILLIS = 2;

  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int TIMED_OUT = 2;

  private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
  private final String name;
  private volatile boolean closed;
  private Thread thread;

  public Watchdog(String name) {
    this.name = name;
  }

  /** Registers a slot for one instance's calls, each bounded by {@code timeout}. */
  public Slot register(Duration timeout) {
    if (closed) {
      throw new IllegalStateException("the plugin host is closed");
    }
    start();
    Slot slot = new Slot(Math.max(1, timeout.toMillis()));
    slots.add(slot);
    return slot;
  }

  private synchronized void start() {
    if (thread == null) {
      thread = new Thread(this::run, name);
      thread.setDaemon(true);
      thread.start();
    }
  }

  private void run() {
    while (!closed) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS));
      long t = System.nanoTime();
      for (Slot slot : slots) {
        slot.check(t);
      }
    }
  }

  /** Stops the watchdog thread. Calls in progress are no longer bounded. */
  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      LockSupport.unpark(t);
    }
    slots.clear();
  }

  /** The deadline state of one instance. Used by one thread at a time, like the instance. */
  public final class Slot {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final long timeoutMillis;
    private final long timeoutNanos;
    /** {@code (call number << 2) | RUNNING} while a call runs; {@code IDLE} or {@code TIMED_OUT} otherwise. */
    private volatile long state;
    private long calls;
    private Thread runner;
    private int depth;
    // Owned by the watchdog thread: the running call it last saw, and when it first saw it.
    private long seen;
    private long seenAt;

    private Slot(long timeoutMillis) {
      this.timeoutMillis = timeoutMillis;
      this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Returns the deadline of each call. */
    public Duration timeout() {
      return Duration.ofMillis(timeoutMillis);
    }

    /** Starts the clock for a call on the current thread. Re-entrant calls share the outer deadline. */
    public void enter() {
      if (depth++ > 0) {
        return;
      }
      runner = Thread.currentThread();
      STATE.setRelease(this, (++calls << 2) | RUNNING);
    }

    /**
     * Stops the clock. Returns whether the deadline passed during the call; if it did, the interrupt that the
     * watchdog delivered has been cleared from the current thread.
     */
    public boolean exit() {
      if (--depth > 0) {
        return state == TIMED_OUT;
      }
      if (STATE.compareAndSet(this, (calls << 2) | RUNNING, (long) IDLE)) {
        return false;
      }
      synchronized (this) {
        // The watchdog interrupts while holding this lock: once we hold it, the interrupt has landed.
        Thread.interrupted();
        state = IDLE;
      }
      return true;
    }

    /** Returns whether the current call has been timed out (for a failure seen before {@link #exit}). */
    public boolean timedOut() {
      return state == TIMED_OUT;
    }

    /** Called by the watchdog thread only. */
    private void check(long now) {
      long v = state;
      if ((v & 3) != RUNNING) {
        return;
      }
      if (v != seen) {
        seen = v;
        seenAt = now;
      } else if (now - seenAt >= timeoutNanos) {
        expire(v);
      }
    }

    private synchronized void expire(long running) {
      if (STATE.compareAndSet(this, running, (long) TIMED_OUT)) {
        runner.interrupt();
      }
    }

    /** Stops watching this slot. */
    public void close() {
      slots.remove(this);
    }
  }
}
