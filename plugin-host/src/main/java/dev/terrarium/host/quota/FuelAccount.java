package dev.terrarium.host.quota;

import dev.terrarium.api.FuelPolicy;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tenant's side of the fuel ledger: its id, its policy (the host's grant) and the ledger that holds its bucket.
 * The runtime keeps one per tenant ({@code host.tenant(id, policy)}), opens an {@link InstanceFuel} for each
 * instance of the tenant's plugins and a {@link FuelMeter} for each call. Thread-safe.
 */
public final class FuelAccount {
  /** The slice size to use when nothing else is configured: a million units, about a millisecond of work. */
  public static final long DEFAULT_SLICE = 1_000_000L;

  private final String tenantId;
  private final FuelPolicy policy;
  private final FuelLedger ledger;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();
  /** Instances whose reusable meter counts calls in plain fields; see {@link #register}. */
  private final java.util.Set<InstanceFuel> live =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  /**
   * @param tenantId the tenant, not blank
   * @param policy the tenant's policy: its bucket and the host's caps
   * @param ledger where the tenant's bucket lives
   */
  public FuelAccount(String tenantId, FuelPolicy policy, FuelLedger ledger) {
    Objects.requireNonNull(tenantId, "tenantId");
    if (tenantId.isBlank()) {
      throw new IllegalArgumentException("tenantId must not be blank");
    }
    this.tenantId = tenantId;
    this.policy = Objects.requireNonNull(policy, "policy");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
  }

  /** Returns the tenant's id. */
  public String tenantId() {
    return tenantId;
  }

  /** Returns the tenant's policy (the host's grant, before any manifest narrows its caps). */
  public FuelPolicy policy() {
    return policy;
  }

  /** Returns the ledger that holds the tenant's bucket. */
  public FuelLedger ledger() {
    return ledger;
  }

  /**
   * Returns the tenant's balance now, refill included; negative after an overrun. A failing ledger's exception
   * propagates unchanged.
   */
  public long balance() {
    return ledger.balance(tenantId, policy);
  }

  /** Returns the fuel used by calls settled through this account (on this host), for metrics. */
  public long used() {
    synchronized (live) {
      long sum = used.get();
      for (InstanceFuel i : live) {
        sum += i.confinedUsed();
      }
      return sum;
    }
  }

  /** Returns the number of calls settled through this account (on this host). */
  public long calls() {
    synchronized (live) {
      long sum = calls.get();
      for (InstanceFuel i : live) {
        sum += i.confinedCalls();
      }
      return sum;
    }
  }

  /**
   * Counts the calls of {@code instance}'s reusable meter in this account's totals: the instance keeps them in
   * plain fields, so that a call pays no atomic operation for the tenant's statistics, and the account sums
   * them when asked.
   */
  void register(InstanceFuel instance) {
    synchronized (live) {
      live.add(instance);
    }
  }

  /** Folds a closing instance's totals into the account's own. */
  void unregister(InstanceFuel instance) {
    synchronized (live) {
      if (live.remove(instance)) {
        used.addAndGet(instance.confinedUsed());
        calls.addAndGet(instance.confinedCalls());
      }
    }
  }

  /** Opens the fuel view of a new instance whose manifest asks for no caps of its own. */
  public InstanceFuel newInstance() {
    return new InstanceFuel(this, policy);
  }

  /**
   * Opens the fuel view of a new instance whose manifest asks for the given caps ({@code null}: none); for each
   * cap the lower of the host's grant and the manifest's request wins.
   */
  public InstanceFuel newInstance(Long manifestPerCallCap, Long manifestPerInstanceCap) {
    return newInstance(manifestPerCallCap, manifestPerInstanceCap, DEFAULT_SLICE);
  }

  /**
   * Opens the fuel view of a new instance as {@link #newInstance(Long, Long)} does, whose calls draw fuel in
   * slices of {@code sliceSize} units.
   */
  public InstanceFuel newInstance(Long manifestPerCallCap, Long manifestPerInstanceCap, long sliceSize) {
    return new InstanceFuel(this, policy.withCapsAtMost(manifestPerCallCap, manifestPerInstanceCap), sliceSize);
  }

  /**
   * Opens the fuel view of a new instance whose manifest carries a fuel policy ({@code null}: none). Only its caps
   * apply: a manifest can lower what one plugin spends but not reshape its tenant's bucket.
   */
  public InstanceFuel newInstance(FuelPolicy manifest) {
    if (manifest == null) {
      return newInstance();
    }
    return newInstance(manifest.perCallCap(), manifest.perInstanceCap());
  }

  void recordSettled(long callUsed) {
    used.addAndGet(callUsed);
    calls.incrementAndGet();
  }

  @Override
  public String toString() {
    return "FuelAccount[" + tenantId + ", " + policy + "]";
  }
}
