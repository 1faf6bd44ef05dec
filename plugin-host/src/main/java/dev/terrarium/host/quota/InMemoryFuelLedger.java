package dev.terrarium.host.quota;

import dev.terrarium.api.FuelPolicy;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The default {@link FuelLedger}: one token bucket per tenant, in this JVM. Each bucket is an immutable state
 * swapped by compare-and-set, so exchanges are lock-free and never lose fuel; refill is computed lazily from a
 * monotonic nanosecond clock ({@link System#nanoTime()} unless a test supplies its own).
 */
public final class InMemoryFuelLedger implements FuelLedger {

  /**
   * A bucket's state. {@code origin} is the instant refill is counted from; {@code last} the instant up to which
   * it has been credited. Refill earned between them is {@code refillOver(last - origin)}, so fractions of a
   * unit carry over from one exchange to the next.
   */
  private record Bucket(long balance, long origin, long last) {}

  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, AtomicReference<Bucket>> buckets = new ConcurrentHashMap<>();

  /** A ledger on {@link System#nanoTime()}. */
  public InMemoryFuelLedger() {
    this(System::nanoTime);
  }

  private InMemoryFuelLedger(LongSupplier nanoClock) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  /** A ledger on the given monotonic nanosecond clock (like {@link System#nanoTime()}). */
  public static InMemoryFuelLedger withNanoClock(LongSupplier nanoClock) {
    return new InMemoryFuelLedger(nanoClock);
  }

  /**
   * A ledger on the given clock, read to the nanosecond. The clock must not step back (a step back credits
   * nothing until it catches up); it suits tests, while production should use the default {@code nanoTime}.
   */
  public static InMemoryFuelLedger withClock(InstantSource clock) {
    Objects.requireNonNull(clock, "clock");
    return new InMemoryFuelLedger(
        () -> {
          Instant now = clock.instant();
          return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
        });
  }

  @Override
  public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(policy, "policy");
    if (wanted < 0) {
      throw new IllegalArgumentException("wanted must not be negative, was " + wanted);
    }
    AtomicReference<Bucket> ref = bucket(tenantId, policy);
    while (true) {
      Bucket current = ref.get();
      Bucket refilled = refill(current, policy, nanoClock.getAsLong());
      long balance = refilled.balance;
      if (credit > 0) {
        balance = Math.min(policy.capacity(), saturatedAdd(balance, credit));
      } else if (credit < 0) {
        balance = saturatedAdd(balance, credit);
      }
      long granted = Math.min(wanted, Math.max(balance, 0));
      balance -= granted;
      Bucket next = new Bucket(balance, refilled.origin, refilled.last);
      if (next.equals(current) || ref.compareAndSet(current, next)) {
        return granted;
      }
    }
  }

  @Override
  public long balance(String tenantId, FuelPolicy policy) {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(policy, "policy");
    AtomicReference<Bucket> ref = bucket(tenantId, policy);
    return refill(ref.get(), policy, nanoClock.getAsLong()).balance;
  }

  private AtomicReference<Bucket> bucket(String tenantId, FuelPolicy policy) {
    AtomicReference<Bucket> ref = buckets.get(tenantId);
    if (ref != null) {
      return ref;
    }
    return buckets.computeIfAbsent(
        tenantId,
        id -> {
          long now = nanoClock.getAsLong();
          return new AtomicReference<>(new Bucket(policy.capacity(), now, now));
        });
  }

  /** Credits the refill earned up to {@code now}, clamped to capacity; a full bucket restarts its origin. */
  private static Bucket refill(Bucket b, FuelPolicy policy, long now) {
    long capacity = policy.capacity();
    long elapsed = now - b.last;
    if (elapsed <= 0) {
      // the clock has not moved (or stepped back): nothing to credit; only a lowered capacity applies
      return b.balance > capacity ? new Bucket(capacity, b.origin, b.last) : b;
    }
    if (b.balance >= capacity || saturatedAdd(b.balance, policy.refillOver(elapsed)) >= capacity) {
      // Full again (for an unlimited policy, at every exchange): no fractions to carry.
      return new Bucket(capacity, now, now);
    }
    // Fractions of a unit carry over: count the refill from the origin. Over each whole refill period exactly
    // refillAmount is earned, so moving the origin forward by whole periods loses nothing and keeps the
    // arithmetic within a long for any realistic rate, however long the bucket has been below capacity.
    long period = policy.refillPeriod().toNanos();
    long origin = b.origin;
    long behind = b.last - origin;
    if (behind >= period) {
      origin += behind / period * period;
    }
    long earned = policy.refillOver(now - origin) - policy.refillOver(b.last - origin);
    long balance = saturatedAdd(b.balance, earned);
    if (balance >= capacity) {
      return new Bucket(capacity, now, now);
    }
    return new Bucket(balance, origin, now);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }
}
