package dev.terrarium.ledger.redis;

/**
 * The Redis fuel ledger could not do what was asked: Redis was unreachable when the ledger was built, or a call
 * needed a new lease while Redis was down (or slow beyond the command timeout), or a tenant's policy does not fit
 * the ledger's arithmetic. The message names the ledger and the Redis address, says what failed and what to do.
 *
 * <p>Thrown from a call's fuel draw, it reaches the application as the cause of a {@link
 * dev.terrarium.api.FuelExhaustedException} with reason {@code LEDGER_FAILURE}, whose message includes this
 * one's. It is the ledger's own error, not a {@code PluginException}: the runtime wraps it, and the operator's
 * calls on the ledger ({@code build()}, {@code balance}, {@code spent}) throw it as it is.
 */
public final class RedisLedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String address;

  RedisLedgerException(String address, String message, Throwable cause) {
    super("[Terrarium/REDIS_LEDGER] Redis fuel ledger at " + address + ": " + message, cause);
    this.address = address;
  }

  /** Returns the Redis address the ledger uses (without credentials). */
  public String address() {
    return address;
  }
}
