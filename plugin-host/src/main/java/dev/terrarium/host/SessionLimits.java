package dev.terrarium.host;

import java.time.Duration;

/**
 * The limits of a session: a WASI command that serves one client for as long as the client stays (a REPL over a
 * connection), run with {@link PluginInstance#runSession}. They replace the per-call limits for that one long call:
 * the plugin's {@code callTimeout} and per-call fuel cap would otherwise bound the whole session.
 *
 * @param idleTimeout the longest the guest may wait for input on its standard input before the session is ended
 *     with {@code SESSION_IDLE}, or {@code null} for no bound
 * @param deadline the longest the whole session may run before it is stopped with {@code CALL_TIMEOUT}, or
 *     {@code null} for no bound (fuel still stops a session that computes forever on a metered host)
 * @param maxFuel the most fuel the whole session may use (drawn from the tenant as it goes, in slices), or {@code
 *     null} for no cap but the instance's per-instance cap and the tenant's bucket
 */
public record SessionLimits(Duration idleTimeout, Duration deadline, Long maxFuel) {
  private static final SessionLimits NONE = new SessionLimits(null, null, null);

  public SessionLimits {
    check("idleTimeout", idleTimeout);
    check("deadline", deadline);
    if (maxFuel != null && maxFuel < 1) {
      throw new IllegalArgumentException("maxFuel must be at least 1, was " + maxFuel);
    }
  }

  private static void check(String name, Duration d) {
    if (d != null && (d.isNegative() || d.isZero())) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }

  /** No idle timeout, no deadline, no session fuel cap. */
  public static SessionLimits none() {
    return NONE;
  }

  public SessionLimits withIdleTimeout(Duration timeout) {
    return new SessionLimits(timeout, deadline, maxFuel);
  }

  public SessionLimits withDeadline(Duration timeout) {
    return new SessionLimits(idleTimeout, timeout, maxFuel);
  }

  public SessionLimits withMaxFuel(long fuel) {
    return new SessionLimits(idleTimeout, deadline, fuel);
  }
}
