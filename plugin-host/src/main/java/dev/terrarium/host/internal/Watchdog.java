package dev.terrarium.host.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts guest calls that run past their deadline or are cancelled. One daemon thread per host scans the
 * watched slots every {@link #TICK_MILLIS} milliseconds: those with a deadline, and those cancelled (so that a
 * cancel that raced with the start of a call still stops it within a tick). Entering a call reads no clock: it publishes a new call number in
 * one release store, and the watchdog stamps each call with its own clock the first time it sees it running.
 * Since that stamp is never earlier than the call's real start, a call is never interrupted before its
 * deadline; it is interrupted at most about two ticks after it.
 */
public final class Watchdog implements AutoCloseable {
  /** How often the watchdog looks at running calls, in milliseconds. */
  public static final long TICK_MILLIS = 2;

  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int STOPPED = 2;

  /** How a call ended, as {@link Slot#exit} reports it: normally. */
  public static final int ENDED = 0;
  /** How a call ended: it ran past its deadline. */
  public static final int TIMED_OUT = 1;
  /** How a call ended: the application cancelled it. */
  public static final int CANCELLED = 2;
  /** How a call ended: its session waited for input longer than its idle timeout. */
  public static final int IDLE_TIMEOUT = 3;

  private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
  private final String name;
  private volatile boolean closed;
  private Thread thread;

  public Watchdog(String name) {
    this.name = name;
  }

  /** Registers a slot for one instance's calls, each bounded by {@code timeout} ({@code null} for none). */
  public Slot register(Duration timeout) {
    if (closed) {
      throw new IllegalStateException("the plugin host is closed");
    }
    Slot slot = new Slot(timeout == null ? 0 : Math.max(1, timeout.toMillis()));
    if (timeout != null) {
      watch(slot);
    }
    return slot;
  }

  private void watch(Slot slot) {
    if (!closed) {
      start();
      slots.add(slot);
    }
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

  /**
   * The deadline and cancellation state of one instance. Entered and exited by one thread at a time, like the
   * instance; {@link #cancel} may come from any thread.
   */
  public final class Slot {
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** The deadline of each call in milliseconds, 0 for none; changed only between calls ({@link #deadline}). */
    private volatile long timeoutMillis;
    private final long defaultTimeoutMillis;
    /** {@code (call number << 2) | RUNNING} while a call runs; {@code IDLE} or {@code STOPPED} otherwise. */
    private volatile long state;
    /** Why the running call was stopped ({@link #TIMED_OUT}, ...), written before the state becomes STOPPED. */
    private int stopReason;
    /** Why the instance was cancelled, 0 while it is not: every call from then on is stopped. */
    private volatile int cancelled;
    /** The idle timeout of the session running on this slot, for messages; {@code null} outside sessions. */
    private volatile Duration idleTimeout;
    private long calls;
    private Thread runner;
    private int depth;
    // Owned by the watchdog thread: the running call it last saw, and when it first saw it.
    private long seen;
    private long seenAt;

    private Slot(long timeoutMillis) {
      this.timeoutMillis = timeoutMillis;
      this.defaultTimeoutMillis = timeoutMillis;
    }

    /** Returns the deadline of each call, or {@code null} when calls have none. */
    public Duration timeout() {
      long t = timeoutMillis;
      return t == 0 ? null : Duration.ofMillis(t);
    }

    /**
     * Sets the deadline of the calls that follow ({@code null} for none, e.g. a session without a deadline), or
     * restores the instance's own with {@link #restoreDeadline}. Call it between calls only.
     */
    public void deadline(Duration timeout) {
      timeoutMillis = timeout == null ? 0 : Math.max(1, timeout.toMillis());
      if (timeout != null) {
        watch(this);
      }
    }

    /** Restores the instance's own deadline after {@link #deadline}. */
    public void restoreDeadline() {
      timeoutMillis = defaultTimeoutMillis;
      if (defaultTimeoutMillis == 0 && cancelled == 0) {
        slots.remove(this);
      }
    }

    /** Records the idle timeout of the session about to run, for messages ({@code null} after it). */
    public void idleTimeout(Duration timeout) {
      idleTimeout = timeout;
    }

    /** Returns the idle timeout of the session running, or {@code null}. */
    public Duration idleTimeout() {
      return idleTimeout;
    }

    /** Starts the clock for a call on the current thread. Re-entrant calls share the outer deadline. */
    public void enter() {
      if (depth++ > 0) {
        return;
      }
      Thread t = Thread.currentThread();
      if (runner != t) {
        runner = t; // not on every call: a reference store costs a fence when both are old (G1's barrier)
      }
      STATE.setRelease(this, (++calls << 2) | RUNNING);
    }

    /**
     * Stops the clock. Returns how the call ended: {@link #ENDED}, or why it was stopped ({@link #TIMED_OUT},
     * {@link #CANCELLED}, {@link #IDLE_TIMEOUT}); if it was stopped, the interrupt that stopped it has been
     * cleared from the current thread.
     */
    public int exit() {
      if (--depth > 0) {
        return state == STOPPED ? stopReason() : ENDED;
      }
      if (STATE.compareAndSet(this, (calls << 2) | RUNNING, (long) IDLE)) {
        return ENDED;
      }
      synchronized (this) {
        // The stopper interrupts while holding this lock: once we hold it, the interrupt has landed.
        Thread.interrupted();
        int reason = stopReason;
        state = IDLE;
        notifyAll();
        return reason;
      }
    }

    /** Returns why the current call was stopped, or {@link #ENDED} (for a failure seen before {@link #exit}). */
    public int stopReason() {
      if (state != STOPPED) {
        return ENDED;
      }
      synchronized (this) {
        return stopReason;
      }
    }

    /** Returns whether a call runs now on a thread other than the current one. */
    public synchronized boolean runningElsewhere() {
      long v = state;
      return (v & 3) != IDLE && runner != Thread.currentThread();
    }

    /** Returns why the instance was cancelled ({@link #CANCELLED} or {@link #IDLE_TIMEOUT}), or 0. */
    public int cancelled() {
      return cancelled;
    }

    /**
     * Cancels the instance for {@code reason}: the running call (if any) is interrupted now, and every later one
     * is stopped. Any thread may call it, including the one running the call.
     */
    public void cancel(int reason) {
      if (reason != CANCELLED && reason != IDLE_TIMEOUT) {
        throw new IllegalArgumentException("not a cancellation: " + reason);
      }
      synchronized (this) {
        if (cancelled == 0) {
          cancelled = reason;
        }
        long v = state;
        if ((v & 3) == RUNNING) {
          stop(v, cancelled);
        }
      }
      // A call that started just now may not be visible yet: the watchdog looks again at its next tick.
      watch(this);
    }

    /**
     * Waits until no call runs, at most {@code timeout}. Returns whether none runs.
     *
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      synchronized (this) {
        while (((int) state & 3) != IDLE) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
      }
    }

    /** Called by the watchdog thread only. */
    private void check(long now) {
      long v = state;
      if ((v & 3) != RUNNING) {
        return;
      }
      int c = cancelled;
      if (c != 0) {
        stopLocked(v, c);
        return;
      }
      long t = timeoutMillis;
      if (t == 0) {
        return;
      }
      if (v != seen) {
        seen = v;
        seenAt = now;
      } else if (now - seenAt >= TimeUnit.MILLISECONDS.toNanos(t)) {
        stopLocked(v, TIMED_OUT);
      }
    }

    private synchronized void stopLocked(long running, int reason) {
      stop(running, reason);
    }

    /** Stops the call {@code running}, if it still runs. Hold this slot's lock. */
    private void stop(long running, int reason) {
      if (STATE.compareAndSet(this, running, (long) STOPPED)) {
        stopReason = reason;
        runner.interrupt();
      }
    }

    /** Stops watching this slot. */
    public void close() {
      slots.remove(this);
    }
  }
}
