package dev.terrarium.api;

import java.math.BigInteger;
import java.time.Duration;

/**
 * How much fuel a tenant's plugins may spend. Fuel is the unit in which metered guest code pays for the work it
 * does (roughly one unit per WebAssembly instruction). A tenant owns a token bucket that holds at most {@code
 * capacity} units and gains {@code refillAmount} units every {@code refillPeriod} (credited continuously, not in
 * steps); every call draws its fuel from that bucket. Two optional caps bound single calls and single instances.
 *
 * <p>"This customer may spend 10 billion units an hour" is {@code FuelPolicy.per(10_000_000_000L,
 * Duration.ofHours(1))}: the bucket holds one hour's worth and refills at that rate.
 *
 * @param capacity the most fuel the bucket holds, and what a new tenant starts with (at least 1)
 * @param refillAmount the fuel credited per {@code refillPeriod} (0 means the bucket never refills)
 * @param refillPeriod the period over which {@code refillAmount} is credited (positive)
 * @param perCallCap the most fuel a single call may use, or {@code null} for no cap (at least 1)
 * @param perInstanceCap the most fuel one instance may use over its whole life, or {@code null} for no cap (at
 *     least 1)
 */
public record FuelPolicy(
    long capacity, long refillAmount, Duration refillPeriod, Long perCallCap, Long perInstanceCap) {

  private static final FuelPolicy UNLIMITED =
      new FuelPolicy(Long.MAX_VALUE, Long.MAX_VALUE, Duration.ofNanos(1), null, null);

  public FuelPolicy {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    if (refillAmount < 0) {
      throw new IllegalArgumentException("refillAmount must not be negative, was " + refillAmount);
    }
    if (refillPeriod == null) {
      throw new IllegalArgumentException("refillPeriod must be set");
    }
    if (refillPeriod.isNegative() || refillPeriod.isZero()) {
      throw new IllegalArgumentException("refillPeriod must be positive, was " + refillPeriod);
    }
    try {
      refillPeriod.toNanos();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("refillPeriod must be at most 292 years, was " + refillPeriod, e);
    }
    if (perCallCap != null && perCallCap < 1) {
      throw new IllegalArgumentException("perCallCap must be at least 1, was " + perCallCap);
    }
    if (perInstanceCap != null && perInstanceCap < 1) {
      throw new IllegalArgumentException("perInstanceCap must be at least 1, was " + perInstanceCap);
    }
  }

  /**
   * A policy that never runs out: the bucket holds {@link Long#MAX_VALUE} units and refills instantly, with no
   * caps. Useful as the host's default, to be narrowed by tenants and manifests.
   */
  public static FuelPolicy unlimited() {
    return UNLIMITED;
  }

  /**
   * A bucket that holds {@code amount} units and refills {@code amount} units per {@code period}, with no caps:
   * "may spend {@code amount} per {@code period}", with bursts of up to one period's worth.
   */
  public static FuelPolicy per(long amount, Duration period) {
    return new FuelPolicy(amount, amount, period, null, null);
  }

  /** Returns a builder; capacity and refill must be set, the caps are optional. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns this policy with the given per-call cap ({@code null} removes it). */
  public FuelPolicy withPerCallCap(Long cap) {
    return new FuelPolicy(capacity, refillAmount, refillPeriod, cap, perInstanceCap);
  }

  /** Returns this policy with the given per-instance cap ({@code null} removes it). */
  public FuelPolicy withPerInstanceCap(Long cap) {
    return new FuelPolicy(capacity, refillAmount, refillPeriod, perCallCap, cap);
  }

  /**
   * Returns this policy with its caps narrowed by the given ones (typically a manifest's): for each cap, the
   * lower of the two; a cap unset on one side takes the other side's value. The bucket is unchanged, since a
   * manifest may lower what one plugin spends but not reshape its tenant's bucket.
   */
  public FuelPolicy withCapsAtMost(Long perCallCap, Long perInstanceCap) {
    return new FuelPolicy(
        capacity,
        refillAmount,
        refillPeriod,
        min(this.perCallCap, perCallCap),
        min(this.perInstanceCap, perInstanceCap));
  }

  /**
   * Returns the policy in force when this one (the host's grant) is narrowed by {@code requested} (a manifest's
   * or a tenant's request): the lower capacity, the lower refill rate (compared exactly) and, for each cap, the
   * lower of the two, a cap unset on one side taking the other side's value.
   */
  public FuelPolicy narrowedBy(FuelPolicy requested) {
    if (requested == null) {
      return this;
    }
    boolean mineSlower = compareRates(this, requested) <= 0;
    FuelPolicy rate = mineSlower ? this : requested;
    return new FuelPolicy(
        Math.min(capacity, requested.capacity),
        rate.refillAmount,
        rate.refillPeriod,
        min(perCallCap, requested.perCallCap),
        min(perInstanceCap, requested.perInstanceCap));
  }

  /**
   * Combines a host grant and a requested policy so that the lower wins everywhere; either may be {@code null}
   * (no policy from that side). Same as {@code grant.narrowedBy(requested)}.
   */
  public static FuelPolicy narrowest(FuelPolicy grant, FuelPolicy requested) {
    if (grant == null) {
      return requested;
    }
    return grant.narrowedBy(requested);
  }

  /** Returns the refill rate in units per second (approximate; for display and metrics). */
  public double refillPerSecond() {
    return refillAmount * 1e9 / refillPeriod.toNanos();
  }

  /** Returns the fuel credited after {@code elapsedNanos} of refill, rounded down, saturating at Long.MAX_VALUE. */
  public long refillOver(long elapsedNanos) {
    if (elapsedNanos <= 0 || refillAmount == 0) {
      return 0;
    }
    long period = refillPeriod.toNanos();
    long amount = refillAmount;
    long gcd = gcd(amount, period);
    amount /= gcd;
    period /= gcd;
    long high = Math.multiplyHigh(elapsedNanos, amount);
    long low = elapsedNanos * amount;
    if (high == 0 && low >= 0) {
      return low / period;
    }
    BigInteger units =
        BigInteger.valueOf(elapsedNanos).multiply(BigInteger.valueOf(amount)).divide(BigInteger.valueOf(period));
    return units.bitLength() < 64 ? units.longValue() : Long.MAX_VALUE;
  }

  /** Describes the bucket in words, e.g. {@code "holds 1000 units and refills 100 per PT1S"}. */
  public String describeBucket() {
    if (refillAmount == 0) {
      return "holds " + capacity + " units and never refills";
    }
    return "holds " + capacity + " units and refills " + refillAmount + " per " + refillPeriod;
  }

  private static int compareRates(FuelPolicy a, FuelPolicy b) {
    // a.amount / a.period vs b.amount / b.period, exactly
    BigInteger left = BigInteger.valueOf(a.refillAmount).multiply(BigInteger.valueOf(b.refillPeriod.toNanos()));
    BigInteger right = BigInteger.valueOf(b.refillAmount).multiply(BigInteger.valueOf(a.refillPeriod.toNanos()));
    return left.compareTo(right);
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  private static Long min(Long a, Long b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return Math.min(a, b);
  }

  /** Builds a {@link FuelPolicy}; each setter validates its value and names it when it is bad. */
  public static final class Builder {
    private Long capacity;
    private Long refillAmount;
    private Duration refillPeriod;
    private Long perCallCap;
    private Long perInstanceCap;

    private Builder() {}

    public Builder capacity(long units) {
      if (units < 1) {
        throw new IllegalArgumentException("capacity must be at least 1, was " + units);
      }
      this.capacity = units;
      return this;
    }

    /** Credits {@code amount} units per {@code period}. */
    public Builder refill(long amount, Duration period) {
      if (amount < 0) {
        throw new IllegalArgumentException("refillAmount must not be negative, was " + amount);
      }
      if (period == null || period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("refillPeriod must be positive, was " + period);
      }
      this.refillAmount = amount;
      this.refillPeriod = period;
      return this;
    }

    /** Credits {@code amount} units per second. */
    public Builder refillPerSecond(long amount) {
      return refill(amount, Duration.ofSeconds(1));
    }

    public Builder perCallCap(long units) {
      if (units < 1) {
        throw new IllegalArgumentException("perCallCap must be at least 1, was " + units);
      }
      this.perCallCap = units;
      return this;
    }

    public Builder perInstanceCap(long units) {
      if (units < 1) {
        throw new IllegalArgumentException("perInstanceCap must be at least 1, was " + units);
      }
      this.perInstanceCap = units;
      return this;
    }

    public FuelPolicy build() {
      if (capacity == null) {
        throw new IllegalStateException("capacity must be set");
      }
      if (refillAmount == null) {
        throw new IllegalStateException("refill must be set (use refill(0, period) for a bucket that never refills)");
      }
      return new FuelPolicy(capacity, refillAmount, refillPeriod, perCallCap, perInstanceCap);
    }
  }
}
