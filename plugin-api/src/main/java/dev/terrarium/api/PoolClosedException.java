package dev.terrarium.api;

/** The instance pool was closed and lends no more instances. */
public final class PoolClosedException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  private final String tenantId;

  public PoolClosedException(String pluginId, String tenantId) {
    super(
        ErrorCode.CALL_POOL_CLOSED,
        pluginId,
        null,
        "the instance pool for tenant '" + tenantId + "' is closed and lends no more instances. Build a new pool.",
        null);
    this.tenantId = tenantId;
  }

  /** Returns the tenant whose pool was closed. */
  public String tenantId() {
    return tenantId;
  }

  /** Returns {@code true}: no instance was involved, so none was broken. */
  @Override
  public boolean instanceUsable() {
    return true;
  }
}
