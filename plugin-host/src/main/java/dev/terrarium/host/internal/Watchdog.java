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
 * every {@link #TICK_MILLIS} milliseconds; entering and leaving a call costs one clock read and a few field
 * writes, so that guarding a call stays cheap next to the call itself. A call is never interrupted before its
 * deadline, and usually within a tick after it.
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
        if (slot.state == RUNNING && t - slot.deadline >= 0) {
          slot.expire();
        }
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
        STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final long timeoutMillis;
    private final long timeoutNanos;
    private volatile int state;
    private volatile long deadline;
    private Thread runner;
    private int depth;

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
      deadline = System.nanoTime() + timeoutNanos;
      state = RUNNING;
    }

    /**
     * Stops the clock. Returns whether the deadline passed during the call; if it did, the interrupt that the
     * watchdog delivered has been cleared from the current thread.
     */
    public boolean exit() {
      if (--depth > 0) {
        return state == TIMED_OUT;
      }
      if (STATE.compareAndSet(this, RUNNING, IDLE)) {
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

    private synchronized void expire() {
      if (STATE.compareAndSet(this, RUNNING, TIMED_OUT)) {
        runner.interrupt();
      }
    }

    /** Stops watching this slot. */
    public void close() {
      slots.remove(this);
    }
  }
}
