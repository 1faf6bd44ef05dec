package dev.terrarium.host.quota;

import dev.terrarium.api.FuelPolicy;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fuel view of one plugin instance: it enforces the per-instance cap over the instance's whole life and
 * opens a {@link FuelMeter} per call. Meters from {@link #startCall} may run on several threads at once; the
 * reusable meter of {@link #beginCall}, which the runtime uses, serves one call at a time.
 */
public final class InstanceFuel {
  private final FuelAccount account;
  private final FuelPolicy policy;
  /** Fuel drawn by this instance's calls and not returned: what settled calls used plus slices still out. */
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong used = new AtomicLong();
  /**
   * What the calls of the reusable meter used, and how many settled: written only by the one thread calling at a
   * time (plain stores, no fence), read by the account's totals.
   */
  private final AtomicLong confinedUsed = new AtomicLong();
  private final AtomicLong confinedCalls = new AtomicLong();
  private boolean registered;
  /** Fuel drawn and not used, kept between calls; still reserved in {@link #committed}. */
  private final AtomicLong lease = new AtomicLong();
  private final Long perCallCap;
  /** A session's cap, in force instead of {@link #perCallCap} while {@link #sessionCap} says so. */
  private Long sessionCap;
  private boolean inSession;
  private final long sliceSize;
  private FuelMeter callMeter;
  private volatile boolean closed;

  InstanceFuel(FuelAccount account, FuelPolicy policy) {
    this(account, policy, FuelAccount.DEFAULT_SLICE);
  }

  InstanceFuel(FuelAccount account, FuelPolicy policy, long sliceSize) {
    if (sliceSize < 1) {
      throw new IllegalArgumentException("sliceSize must be at least 1, was " + sliceSize);
    }
    this.account = account;
    this.policy = policy;
    this.perCallCap = policy.perCallCap();
    this.sliceSize = sliceSize;
  }

  /**
   * Makes the calls that follow (a session's one long call) capped at {@code cap} in total ({@code null}: no cap
   * but the per-instance cap and the tenant's bucket) instead of the per-call cap. Call it between calls.
   */
  public void beginSession(Long cap) {
    sessionCap = cap;
    inSession = true;
  }

  /** Puts the per-call cap back in force after {@link #beginSession}. */
  public void endSession() {
    inSession = false;
    sessionCap = null;
  }

  /** Returns whether a session's limits are in force. */
  boolean inSession() {
    return inSession;
  }

  /** Returns the cap on one call's fuel now in force (the session's during a session), or {@code null}. */
  Long perCallCap() {
    return inSession ? sessionCap : perCallCap;
  }

  /** Returns the slice size this instance's calls draw with. */
  public long sliceSize() {
    return sliceSize;
  }

  /** Returns the tenant's account. */
  public FuelAccount account() {
    return account;
  }

  /** Returns the policy in force for this instance: the tenant's bucket with the narrowed caps. */
  public FuelPolicy policy() {
    return inSession ? policy.withPerCallCap(sessionCap) : policy;
  }

  /** Returns the fuel used by this instance's settled calls. */
  public long used() {
    return used.get() + confinedUsed.get();
  }

  long confinedUsed() {
    return confinedUsed.get();
  }

  long confinedCalls() {
    return confinedCalls.get();
  }

  /** Returns the fuel this instance has drawn and not returned: settled use plus slices of calls in progress. */
  public long committed() {
    return committed.get();
  }

  /**
   * Returns what the per-instance cap still allows (slices out count as spent), or {@link Long#MAX_VALUE} when
   * there is no cap.
   */
  public long remaining() {
    Long cap = policy.perInstanceCap();
    return cap == null ? Long.MAX_VALUE : Math.max(0, cap - committed.get());
  }

  /** Starts metering a call with this instance's slice size, on a meter of its own that keeps no lease. */
  public FuelMeter startCall(String pluginId, String function) {
    return startCall(pluginId, function, sliceSize);
  }

  /**
   * Starts metering a call that draws fuel in slices of {@code sliceSize} units.
   *
   * @param pluginId the plugin, for error messages (may be {@code null})
   * @param function the export called, for error messages (may be {@code null})
   */
  public FuelMeter startCall(String pluginId, String function, long sliceSize) {
    if (sliceSize < 1) {
      throw new IllegalArgumentException("sliceSize must be at least 1, was " + sliceSize);
    }
    return new FuelMeter(this, pluginId, function, sliceSize);
  }

  /**
   * Opens the metering of this instance's next call, with the instance's reusable meter: the call starts with
   * the fuel the previous call left (the lease, at most what the per-call cap allows) and keeps what it leaves
   * for the next. Allocates nothing and touches the ledger only when the lease runs out. Calls on one instance
   * must not overlap (the runtime confines an instance to one call at a time).
   *
   * @param pluginId the plugin, for error messages (may be {@code null}); fixed by the first call
   * @param function the export called, for error messages (may be {@code null})
   */
  public FuelMeter beginCall(String pluginId, String function) {
    FuelMeter m = callMeter;
    if (m == null) {
      m = new FuelMeter(this, pluginId, function, sliceSize, true);
      callMeter = m;
      account.register(this);
      registered = true;
    }
    // The call owns the whole lease while it runs. Plain accesses, not an atomic exchange: calls on an instance
    // are confined to one at a time, and the exchange (a locked instruction, with the JIT's reaction to it) was
    // the largest part of a metered call's cost. The one race this leaves is documented on close().
    long start = lease.getPlain();
    if (start != 0) {
      lease.setPlain(0);
    }
    Long cap = perCallCap();
    if (cap != null && start > cap) {
      // Rare: a per-call cap below the lease. What the call may not use goes back now.
      long excess = start - cap;
      start = cap;
      release(excess);
      account.ledger().deposit(account.tenantId(), account.policy(), excess);
    }
    m.begin(function, start);
    m.topUp();
    return m;
  }

  /**
   * Settles a call of the reusable meter: records what it used and keeps {@code lease} unused units for the next
   * call (the lease is empty while a call runs). Plain stores and one volatile read: this is on every call.
   *
   * <p>If {@link #close} runs on another thread at this very moment it may miss the lease, which then stays spent
   * (the tenant over-charged by at most one slice, once); what is left at settlement is returned once, since both
   * sides return it with {@code getAndSet}. In the same race the call's use may be counted twice in the tenant's
   * statistics (never in its bucket). See {@link #close} for the race at the start of a call.
   */
  void settleConfined(long callUsed, long newLease) {
    confinedUsed.lazySet(confinedUsed.getPlain() + callUsed);
    confinedCalls.lazySet(confinedCalls.getPlain() + 1);
    if (newLease != 0) {
      lease.lazySet(newLease);
    }
    if (closed) {
      // Closed while the call ran: the account may already have folded this instance's statistics.
      account.recordSettled(callUsed);
      returnLease();
    }
  }

  /** Returns the fuel this instance holds for its next call: drawn from the ledger, not yet used. */
  public long lease() {
    return lease.get();
  }

  /**
   * Returns the instance's lease to the tenant's bucket; later calls keep nothing. Call it when the instance
   * closes. A call still running when it is closed returns what it leaves when it settles.
   *
   * <p>A call takes the lease with plain accesses ({@link #beginCall}), so a close on one thread that races with
   * a call just starting on another, before that call is seen to run, may return a lease the call also uses:
   * the tenant is then under-charged by at most that lease (one slice), once, for an instance whose use the
   * application itself made overlap with its close. Closing an idle instance, or one whose call is running (the
   * runtime waits for it to end), returns the lease exactly once.
   *
   * @throws RuntimeException what the ledger throws (the lease is then lost to the tenant, never given twice)
   */
  public void close() {
    closed = true;
    try {
      returnLease();
    } finally {
      if (registered) {
        account.unregister(this);
      }
    }
  }

  private void returnLease() {
    long back = lease.getAndSet(0);
    if (back > 0) {
      release(back);
      account.ledger().deposit(account.tenantId(), account.policy(), back);
    }
  }

  /** Reserves up to {@code wanted} units under the per-instance cap; returns the amount reserved. */
  long reserve(long wanted) {
    Long cap = policy.perInstanceCap();
    if (cap == null) {
      committed.addAndGet(wanted);
      return wanted;
    }
    while (true) {
      long current = committed.get();
      long grant = Math.min(wanted, Math.max(0, cap - current));
      if (grant == 0 || committed.compareAndSet(current, current + grant)) {
        return grant;
      }
    }
  }

  /** Gives back a reservation that was not used (negative: adds an overrun). */
  void release(long amount) {
    committed.addAndGet(-amount);
  }

  void recordSettled(long callUsed) {
    used.addAndGet(callUsed);
    account.recordSettled(callUsed);
  }


}
