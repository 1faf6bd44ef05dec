package dev.terrarium.host.quota;

import dev.terrarium.api.FuelPolicy;

/**
 * Where tenants' fuel lives: one token bucket per tenant, shaped by a {@link FuelPolicy}. The default, {@link
 * InMemoryFuelLedger}, serves one host; an implementation backed by a shared store (Redis, SQL, ...) lets a
 * cluster of hosts draw from the same buckets.
 *
 * <h2>The primitive</h2>
 *
 * <p>Everything is built on {@link #exchange}: for one tenant, atomically
 *
 * <ol>
 *   <li>create the bucket if it does not exist yet (full: {@code policy.capacity()} units);
 *   <li>credit the refill earned since the bucket was last touched (see "Clocks" below), never above capacity;
 *   <li>apply {@code credit}: a positive value returns fuel (never above capacity), a negative value charges fuel
 *       unconditionally (the balance may become negative);
 *   <li>grant {@code min(wanted, max(balance, 0))} and debit it;
 *   <li>return the amount granted.
 * </ol>
 *
 * <p>Steps 1-4 must be one atomic step with respect to every other exchange on the same tenant, on every host:
 * a single Lua script or {@code MULTI}/{@code WATCH} transaction in Redis, a single {@code UPDATE ... RETURNING}
 * (or a {@code SELECT ... FOR UPDATE} and {@code UPDATE} in one transaction) in SQL, a compare-and-set loop in
 * memory. Because a bucket is only a few numbers (balance, time of the last refill and the refill origin), this
 * is cheap everywhere. Different tenants are independent: an implementation must never let one tenant's
 * exchanges change another's balance.
 *
 * <p>The policy travels with every call, so a ledger stores no configuration: the first exchange creates the
 * bucket, and a changed policy (the operator called {@code host.tenant(id, newPolicy)}) takes effect at the
 * next exchange, the balance being clamped to the new capacity. In a cluster, hosts configured with different
 * policies for one tenant fight; configure them alike.
 *
 * <h2>Exactness</h2>
 *
 * <p>Every unit granted is debited exactly once and every unit credited is credited exactly once: the sum of
 * what a tenant was granted minus what it returned is exactly what its calls used. A ledger never loses fuel
 * under contention, and never grants more than its balance: a strict ledger's balance goes below zero only
 * through negative credits (charges for a guest's overrun, see below).
 *
 * <h2>Overspend: at most one slice per thread</h2>
 *
 * <p>Calls draw fuel in slices (see {@link FuelMeter}): a slice is granted whole before the guest uses it, and
 * what is left of it is returned when the call ends. While slices are out, the bucket shows them as spent, so
 * a tenant can never use more than it was granted. The only overspend is the guest's overrun: metering may let
 * a guest run a little past the end of its slice before it asks for more (the fuel rewriter checks at block
 * boundaries). That overrun is charged unconditionally (a negative credit) and may push the balance below zero;
 * the rewriter guarantees it is smaller than a slice, so with {@code T} threads calling one tenant at once the
 * balance never falls below {@code -(T × slice)}, and the tenant pays it back from its refill before it is
 * granted anything again. An implementation that trades exactness of the balance for speed (for example a host
 * that fetches fuel from a shared store in batches and hands it out locally) must keep the same bound: each
 * concurrent caller may be ahead of the shared balance by at most one slice.
 *
 * <h2>Idempotence and failures</h2>
 *
 * <p>{@link #exchange} moves fuel and is therefore not idempotent: the runtime never retries it. An exchange
 * that throws fails the call with a {@link dev.terrarium.api.FuelExhaustedException} whose reason is {@code
 * LEDGER_FAILURE}; the fuel of that exchange is treated as spent, which over-charges the tenant, never
 * under-charges it. An implementation that retries over a network must make its own retries idempotent (tag
 * the attempt with a key chosen before the first try and have the store ignore a key it has already applied),
 * or must not retry. {@code exchange(t, p, 0, 0)} and {@link #balance} change nothing but the lazily computed
 * refill and may be retried freely.
 *
 * <h2>Clocks</h2>
 *
 * <p>Refill is computed lazily from elapsed time: {@code floor(elapsed × refillAmount / refillPeriod)}, measured
 * from a fixed origin so that fractions are never lost between exchanges ({@link FuelPolicy#refillOver}). The
 * clock must be monotonic: {@link InMemoryFuelLedger} uses {@link System#nanoTime()} by default, never the wall
 * clock. A shared store must use one clock for all hosts, normally its own ({@code TIME} in Redis, {@code now()}
 * in SQL), because hosts' clocks disagree; if that clock appears to step back, the ledger credits nothing until
 * it catches up, and never takes refill back.
 *
 * <p>Implementations must be safe for use by many threads at once.
 */
public interface FuelLedger {

  /**
   * Atomically refills the tenant's bucket, applies {@code credit} and grants up to {@code wanted} units (see the
   * class documentation).
   *
   * @param tenantId the tenant
   * @param policy the tenant's policy; only its bucket (capacity and refill) matters here
   * @param credit fuel returned to the bucket (positive, never above capacity) or charged unconditionally
   *     (negative)
   * @param wanted the fuel wanted, at least 0
   * @return the fuel granted and debited, between 0 and {@code wanted}
   */
  long exchange(String tenantId, FuelPolicy policy, long credit, long wanted);

  /** Returns the tenant's balance now, refill included; negative after an overrun. */
  long balance(String tenantId, FuelPolicy policy);

  /** Grants and debits up to {@code wanted} units; returns the amount granted (0 when the bucket is empty). */
  default long withdraw(String tenantId, FuelPolicy policy, long wanted) {
    if (wanted < 0) {
      throw new IllegalArgumentException("wanted must not be negative, was " + wanted);
    }
    return exchange(tenantId, policy, 0, wanted);
  }

  /** Returns unused fuel to the tenant's bucket (never above its capacity). */
  default void deposit(String tenantId, FuelPolicy policy, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("amount must not be negative, was " + amount);
    }
    if (amount > 0) {
      exchange(tenantId, policy, amount, 0);
    }
  }

  /** Debits fuel unconditionally (a guest's overrun); the balance may become negative. */
  default void charge(String tenantId, FuelPolicy policy, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("amount must not be negative, was " + amount);
    }
    if (amount > 0) {
      exchange(tenantId, policy, -amount, 0);
    }
  }
}
