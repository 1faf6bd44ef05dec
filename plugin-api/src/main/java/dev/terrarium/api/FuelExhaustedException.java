package dev.terrarium.api;

import java.util.Objects;

/**
 * A call could not get the fuel it needed and the guest was stopped. {@link #reason()} says what ran out: the
 * tenant's ledger, the per-call cap or the per-instance cap; or that the ledger itself failed (the cause is the
 * ledger's exception). The tenant is still charged exactly the fuel the call used before it stopped.
 */
public final class FuelExhaustedException extends PluginCallException {
  private static final long serialVersionUID = 1L;

  /** What ran out. */
  public enum Reason {
    /** The tenant's bucket was empty. */
    LEDGER,
    /** The call used its per-call cap. */
    PER_CALL_CAP,
    /** The instance used its per-instance cap over its life. */
    PER_INSTANCE_CAP,
    /** A session (a long call with limits of its own) used its fuel cap; the policy's per-call cap is that cap. */
    SESSION_CAP,
    /** The ledger threw while fuel was drawn or returned; whether fuel was left is unknown. */
    LEDGER_FAILURE
  }

  private final String tenantId;
  private final Reason reason;
  private final transient FuelPolicy policy;
  private final long used;

  /**
   * @param pluginId the plugin, or {@code null} when not known
   * @param function the export that was called, or {@code null}
   * @param tenantId the tenant whose fuel ran out
   * @param reason what ran out
   * @param policy the policy in force for the call (tenant bucket and effective caps)
   * @param used the fuel the call had used when it was stopped
   * @param cause the ledger's exception for {@link Reason#LEDGER_FAILURE}, otherwise {@code null}
   */
  public FuelExhaustedException(
      String pluginId,
      String function,
      String tenantId,
      Reason reason,
      FuelPolicy policy,
      long used,
      Throwable cause) {
    super(ErrorCode.CALL_FUEL_EXHAUSTED, pluginId, function, message(tenantId, reason, policy, used, cause), cause);
    this.tenantId = tenantId;
    this.reason = reason;
    this.policy = policy;
    this.used = used;
  }

  private static String message(String tenantId, Reason reason, FuelPolicy policy, long used, Throwable cause) {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(policy, "policy");
    String tenant = "tenant '" + tenantId + "'";
    String spent = "the call used " + used + " units of fuel";
    switch (reason) {
      case LEDGER:
        return tenant
            + " ran out of fuel: its ledger is empty ("
            + spent
            + "; its bucket "
            + policy.describeBucket()
            + "). Retry after the bucket refills, or give the tenant a larger FuelPolicy.";
      case PER_CALL_CAP:
        return tenant
            + " ran out of fuel: the call reached its per-call cap of "
            + policy.perCallCap()
            + " units ("
            + spent
            + "). Raise perCallCap in both the host's grant and the plugin's manifest (the lower wins), or give"
            + " the call less work.";
      case SESSION_CAP:
        return tenant
            + " ran out of fuel: the session reached its fuel cap of "
            + policy.perCallCap()
            + " units ("
            + spent
            + "). Give the session a larger maxFuel in its SessionLimits.";
      case PER_INSTANCE_CAP:
        return tenant
            + " ran out of fuel: the instance reached its per-instance cap of "
            + policy.perInstanceCap()
            + " units over its life ("
            + spent
            + "). Create a new instance, or raise perInstanceCap in both the host's grant and the plugin's"
            + " manifest (the lower wins).";
      case LEDGER_FAILURE:
      default:
        return "the fuel ledger failed for "
            + tenant
            + " ("
            + spent
            + "): "
            + cause
            + ". The guest was stopped because its fuel could not be accounted for; check the ledger and its"
            + " backing store.";
    }
  }

  /** Returns the tenant whose fuel ran out. */
  public String tenantId() {
    return tenantId;
  }

  /** Returns what ran out. */
  public Reason reason() {
    return reason;
  }

  /** Returns the policy in force for the call, or {@code null} after deserialization. */
  public FuelPolicy policy() {
    return policy;
  }

  /** Returns the fuel the call had used when it was stopped. */
  public long used() {
    return used;
  }

  /**
   * Returns the limit that was reached: the cap for the cap reasons, the bucket's capacity for {@link
   * Reason#LEDGER}, and -1 for {@link Reason#LEDGER_FAILURE} or after deserialization.
   */
  public long limit() {
    if (policy == null) {
      return -1;
    }
    switch (reason) {
      case LEDGER:
        return policy.capacity();
      case PER_CALL_CAP:
      case SESSION_CAP:
        return policy.perCallCap() == null ? -1 : policy.perCallCap();
      case PER_INSTANCE_CAP:
        return policy.perInstanceCap() == null ? -1 : policy.perInstanceCap();
      default:
        return -1;
    }
  }
}
