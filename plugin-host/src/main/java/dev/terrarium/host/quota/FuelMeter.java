package dev.terrarium.host.quota;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelExhaustedException.Reason;
import dev.terrarium.api.FuelPolicy;

/**
 * The fuel accounting of one call. The call draws fuel from its tenant's ledger in slices, so that the ledger is
 * touched once per slice rather than once per instruction; when the call ends, whatever is left of the last
 * slice goes back, so the tenant is charged exactly the fuel the call used, whether it returned, trapped or was
 * stopped.
 *
 * <p>The runtime keeps one meter per instance ({@link InstanceFuel#beginCall}), which starts each call with the
 * fuel the instance's previous call left over (its <em>lease</em>) and keeps what this call leaves: a call that
 * fits in the lease does not touch the ledger at all. The instance returns its lease when it closes.
 *
 * <p>The runtime's side, in terms of the guest's fuel counter (what is left of the fuel drawn so far):
 *
 * <pre>{@code
 * FuelMeter meter = instanceFuel.startCall(pluginId, export, slice);
 * counter = meter.takeSlice();                  // before entering the guest
 * ... the injected refuel host function:  counter = meter.refuel(counter);
 * ... after the call, in a finally block: long used = meter.settle(counter);
 * }</pre>
 *
 * <p>Each slice is {@code min(sliceSize, what the per-call cap still allows, what the per-instance cap still
 * allows)}, granted by the ledger in full or in part; when nothing can be drawn the meter throws {@link
 * FuelExhaustedException} naming what ran out. A ledger that throws is reported the same way with reason {@code
 * LEDGER_FAILURE}. One call runs on one thread at a time; a meter is not thread-safe.
 */
public final class FuelMeter {
  private final InstanceFuel instance;
  private final String pluginId;
  private String function;
  private final long sliceSize;
  /**
   * Whether this meter is its instance's reusable call meter ({@link InstanceFuel#beginCall}): it starts each call
   * with the instance's lease and keeps what is left as the lease, instead of going to the ledger.
   */
  private final boolean leasing;
  /** Fuel granted to this call so far. */
  private long drawn;
  /** The guest's counter when the meter last heard of it. */
  private long counter;
  /** Fuel drawn by a refuel that then failed: the guest never received it, so settle returns it. */
  private long undelivered;
  private boolean settled;
  private long used;
  /** Whether a refuel ran out: the guest stopped before the code it was paying for. */
  private boolean stoppedInRefuel;

  FuelMeter(InstanceFuel instance, String pluginId, String function, long sliceSize) {
    this(instance, pluginId, function, sliceSize, false);
  }

  FuelMeter(InstanceFuel instance, String pluginId, String function, long sliceSize, boolean leasing) {
    this.instance = instance;
    this.pluginId = pluginId;
    this.function = function;
    this.sliceSize = sliceSize;
    this.leasing = leasing;
  }

  /** Makes this (leasing) meter ready for the next call, which starts with {@code lease} already drawn. */
  void begin(String newFunction, long lease) {
    if (function != newFunction) {
      function = newFunction; // a reference store costs a fence when both are old (G1's barrier): not per call
    }
    drawn = lease;
    counter = lease;
    undelivered = 0;
    settled = false;
    used = 0;
    stoppedInRefuel = false;
  }

  /** Returns the guest's counter as the meter last knew it: at the start of a call, the fuel it starts with. */
  public long counter() {
    return counter;
  }

  /** Returns the slice size this call draws with. */
  public long sliceSize() {
    return sliceSize;
  }

  /** Returns the fuel granted to this call so far (before anything is returned). */
  public long drawn() {
    return drawn;
  }

  /**
   * Returns the fuel the call has used: exact after {@link #settle}; before it, as of the last counter the meter
   * saw (a slice drawn by {@link #takeSlice()} counts as unused until then).
   */
  public long used() {
    return settled ? used : usedAt(counter);
  }

  /** Returns what the call has used so far when the guest's counter is {@code counter} (not after settling). */
  public long usedAt(long counter) {
    return drawn - undelivered - counter;
  }

  /** Returns whether {@link #settle} has run. */
  public boolean settled() {
    return settled;
  }

  /**
   * Draws the next slice, all of which the guest may use, and returns its size (at least 1), to be added to
   * the guest's counter (which is 0 at the start of a call). Use it to start a call; inside the guest, use
   * {@link #refuel}.
   *
   * @throws FuelExhaustedException when a cap is reached, the tenant's bucket is empty or the ledger fails
   */
  public long takeSlice() {
    checkOpen();
    long granted = draw(used(), sliceSize);
    drawn += granted;
    counter += granted;
    return granted;
  }

  /**
   * Called from the refuel host function when the guest's counter has run down: draws slices until the counter
   * is positive again and returns the new counter. {@code counter} is what the guest has left of the fuel drawn
   * so far: 0 when it used the slice exactly, negative when it ran past the end (the next slice pays the
   * overrun first), positive when it asks early for a costly block.
   *
   * @throws FuelExhaustedException when fuel runs out; the guest must be stopped and the call still settled
   */
  public long refuel(long counter) {
    checkOpen();
    checkCounter(counter);
    this.counter = counter;
    long usedSoFar = used();
    long next = counter;
    try {
      do {
        // A costly instruction (memory.grow of many pages, a large memory.fill) may need more than a slice: ask
        // for all of it at once rather than slice by slice.
        long granted = draw(usedSoFar, Math.max(sliceSize, 1 - next));
        drawn += granted;
        next += granted;
      } while (next <= 0);
    } catch (FuelExhaustedException e) {
      undelivered += next - counter;
      stoppedInRefuel = true;
      throw e;
    }
    this.counter = next;
    return next;
  }

  /**
   * Ends the call: returns the unused remainder of the fuel drawn to the ledger (or, when {@code unused} is
   * negative because the guest overran its last slice, charges the overrun), and returns what the call used,
   * which is exactly what the tenant was charged. Call it exactly once, after every call, including one that
   * trapped or ran out of fuel.
   *
   * @param unused the guest's counter at the end of the call: what is left of the fuel drawn
   * @throws FuelExhaustedException with reason {@code LEDGER_FAILURE} when the ledger fails to take back the
   *     remainder (the meter is settled anyway; the tenant has then been over-charged by the remainder, never
   *     under-charged)
   */
  public long settle(long unused) {
    checkOpen();
    checkCounter(unused);
    if (stoppedInRefuel) {
      long maxOverrun = Math.max(sliceSize, FuelAccount.DEFAULT_SLICE);
      if (unused < -maxOverrun) {
        // The guest was stopped while paying for a costly instruction (memory.grow of many pages, a huge
        // memory.fill) that then never ran: the counter's depth below zero is that unpaid price, not work done.
        // An overrun is charged as always, but never more than a slice (and at least the default slice's worth).
        unused = -maxOverrun;
      }
    }
    counter = unused;
    long callUsed = drawn - undelivered - unused;
    used = callUsed;
    long back = unused + undelivered;
    settled = true;
    if (leasing) {
      // What is left stays with the instance as its lease: still reserved, still counted as spent by the ledger.
      if (back >= 0) {
        instance.settleConfined(callUsed, back);
        return callUsed;
      }
      instance.settleConfined(callUsed, 0);
    } else {
      instance.recordSettled(callUsed);
    }
    instance.release(back);
    FuelAccount account = instance.account();
    try {
      if (back > 0) {
        account.ledger().deposit(account.tenantId(), account.policy(), back);
      } else if (back < 0) {
        account.ledger().charge(account.tenantId(), account.policy(), -back);
      }
    } catch (RuntimeException e) {
      throw exhausted(Reason.LEDGER_FAILURE, used, e);
    }
    return used;
  }

  /**
   * Tops the counter up to a full slice before a call that starts with less than half of one, when the caps and
   * the ledger allow it; otherwise leaves it as it is, and the guest refuels when it runs out, failing then if it
   * must. So a call that uses less than half a slice never refuels from inside the guest, where each refuel is a
   * host call in the middle of guest code, often inside a loop (the JIT then compiles that loop around a call it
   * has seen taken). The ledger is still asked for a slice at a time, at most once per half slice used.
   */
  void topUp() {
    if (counter >= sliceSize / 2) {
      return;
    }
    long granted = draw(used(), sliceSize - counter, true);
    drawn += granted;
    counter += granted;
  }

  private long draw(long usedSoFar, long amount) {
    return draw(usedSoFar, amount, false);
  }

  /** Draws up to {@code amount}; when nothing can be drawn, throws, or returns 0 when {@code quiet}. */
  private long draw(long usedSoFar, long amount, boolean quiet) {
    long want = amount;
    Long perCall = instance.perCallCap();
    if (perCall != null) {
      want = Math.min(want, perCall - drawn);
      if (want <= 0) {
        if (quiet) {
          return 0;
        }
        throw exhausted(instance.inSession() ? Reason.SESSION_CAP : Reason.PER_CALL_CAP, usedSoFar, null);
      }
    }
    want = instance.reserve(want);
    if (want == 0) {
      if (quiet) {
        return 0;
      }
      throw exhausted(Reason.PER_INSTANCE_CAP, usedSoFar, null);
    }
    FuelAccount account = instance.account();
    long granted;
    try {
      granted = account.ledger().withdraw(account.tenantId(), account.policy(), want);
    } catch (RuntimeException e) {
      instance.release(want);
      if (quiet) {
        return 0;
      }
      throw exhausted(Reason.LEDGER_FAILURE, usedSoFar, e);
    }
    if (granted < 0 || granted > want) {
      instance.release(want);
      if (quiet) {
        return 0;
      }
      IllegalStateException broken =
          new IllegalStateException(
              account.ledger().getClass().getName() + " granted " + granted + " units when " + want + " were wanted");
      throw exhausted(Reason.LEDGER_FAILURE, usedSoFar, broken);
    }
    if (granted < want) {
      instance.release(want - granted);
    }
    if (granted == 0 && !quiet) {
      throw exhausted(Reason.LEDGER, usedSoFar, null);
    }
    return granted;
  }

  private FuelExhaustedException exhausted(Reason reason, long usedSoFar, Throwable cause) {
    return new FuelExhaustedException(
        pluginId, function, instance.account().tenantId(), reason, instance.policy(), usedSoFar, cause);
  }

  private void checkOpen() {
    if (settled) {
      throw new IllegalStateException("this call's fuel was already settled");
    }
  }

  /**
   * The guest's counter never exceeds what the call has drawn: the call never used less than nothing. (It may grow
   * between refuels: metered code gives back what it paid in advance for code that then did not run, see
   * docs/metering.md, "Fewer charges".)
   */
  private void checkCounter(long value) {
    if (value > drawn - undelivered) {
      throw new IllegalArgumentException(
          "the guest's fuel counter cannot exceed the fuel drawn for the call (" + (drawn - undelivered)
              + "): it is " + value);
    }
  }
}
