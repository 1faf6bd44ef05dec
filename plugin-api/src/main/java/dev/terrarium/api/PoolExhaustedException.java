package dev.terrarium.api;

import java.time.Duration;

/**
 * No instance of an instance pool became free within its borrow timeout: every instance the pool may hold was
 * in use. No instance was touched, so the pool and its instances are unaffected.
 */
public final class PoolExhaustedException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final String tenantId;
  private final int maxSize;
  private final Duration timeout;

  public PoolExhaustedException(String pluginId, String tenantId, int maxSize, Duration timeout) {
    super(
        ErrorCode.CALL_POOL_EXHAUSTED,
        pluginId,
        null,
        "no instance of the pool for tenant '" + tenantId + "' became free within " + millis(timeout)
            + " ms: all " + maxSize + " instances the pool may hold were in use. Raise the pool's maxSize or"
            + " borrowTimeout, or hold each instance for less time.",
        null);
    this.tenantId = tenantId;
    this.maxSize = maxSize;
    this.timeout = timeout;
  }

  private static long millis(Duration timeout) {
    try {
      return timeout.toMillis();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** Returns the tenant whose pool was exhausted. */
  public String tenantId() {
    return tenantId;
  }

  /** Returns the most instances the pool may hold. */
  public int maxSize() {
    return maxSize;
  }

  /** Returns how long the borrower waited. */
  public Duration timeout() {
    return timeout;
  }

  /** Returns {@code true}: no instance was involved, so none was broken. */
  @Override
  public boolean instanceUsable() {
    return true;
  }
}
