package dev.terrarium.ledger.redis;

/**
 * What a {@link RedisFuelLedger} does when a call needs a new lease and Redis cannot be reached.
 *
 * <ul>
 *   <li>{@link #failClosed()} (the default): the call fails with {@code CALL_FUEL_EXHAUSTED}, reason {@code
 *       LEDGER_FAILURE}, whose cause is a {@link RedisLedgerException}. Calls served from leases already held
 *       keep running; nothing is ever granted that Redis did not grant.
 *   <li>{@link #allowDuringOutage(long)}: each tenant may draw up to {@code units} more on this host while Redis
 *       is down. What it draws is charged to its bucket when Redis is back (the balance may then go below zero,
 *       and the tenant pays it back from its refill), so the tenant's total stays exact over time; during the
 *       outage a tenant may overspend by up to {@code units} on each host.
 * </ul>
 *
 * @param outageAllowance the fuel each tenant may draw per host while Redis is down, 0 for fail-closed
 */
public record FailurePolicy(long outageAllowance) {

  private static final FailurePolicy CLOSED = new FailurePolicy(0);

  public FailurePolicy {
    if (outageAllowance < 0) {
      throw new IllegalArgumentException("outageAllowance must not be negative, was " + outageAllowance);
    }
  }

  /** Fails calls that need a new lease while Redis is down (the default). */
  public static FailurePolicy failClosed() {
    return CLOSED;
  }

  /**
   * Lets each tenant draw up to {@code units} on this host while Redis is down, charged to its bucket when Redis
   * is back.
   */
  public static FailurePolicy allowDuringOutage(long units) {
    if (units < 1) {
      throw new IllegalArgumentException("the outage allowance must be at least 1 unit, was " + units);
    }
    return new FailurePolicy(units);
  }

  /** Returns whether this policy fails calls as soon as a lease cannot be taken. */
  public boolean closed() {
    return outageAllowance == 0;
  }
}
