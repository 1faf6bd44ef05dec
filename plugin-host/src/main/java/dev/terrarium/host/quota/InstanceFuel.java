package dev.terrarium.host.quota;

import dev.terrarium.api.FuelPolicy;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fuel view of one plugin instance: it enforces the per-instance cap over the instance's whole life and
 * opens a {@link FuelMeter} per call. Thread-safe: calls on one instance may overlap.
 */
public final class InstanceFuel {
  private final FuelAccount account;
  private final FuelPolicy policy;
  /** Fuel drawn by this instance's calls and not returned: what settled calls used plus slices still out. */
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong used = new AtomicLong();

  InstanceFuel(FuelAccount account, FuelPolicy policy) {
    this.account = account;
    this.policy = policy;
  }

  /** Returns the tenant's account. */
  public FuelAccount account() {
    return account;
  }

  /** Returns the policy in force for this instance: the tenant's bucket with the narrowed caps. */
  public FuelPolicy policy() {
    return policy;
  }

  /** Returns the fuel used by this instance's settled calls. */
  public long used() {
    return used.get();
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

  /** Starts metering a call with the {@link FuelAccount#DEFAULT_SLICE default slice}. */
  public FuelMeter startCall(String pluginId, String function) {
    return startCall(pluginId, function, FuelAccount.DEFAULT_SLICE);
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
