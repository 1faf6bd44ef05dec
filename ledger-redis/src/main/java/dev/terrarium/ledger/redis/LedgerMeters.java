package dev.terrarium.ledger.redis;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The Redis ledger's meters, registered by {@link RedisFuelLedger#bindTo}. Only round trips record anything; an
 * exchange served from a lease touches no meter.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code terrarium.ledger.redis.round.trips}</td><td>timer</td><td>{@code kind} (lease, return, read),
 *       {@code outcome} (ok, failed)</td><td>each script run or read, with its latency</td></tr>
 *   <tr><td>{@code terrarium.ledger.redis.lease.size}</td><td>distribution summary ({@code fuel})</td><td></td>
 *       <td>the fuel each lease round trip was granted</td></tr>
 *   <tr><td>{@code terrarium.ledger.redis.leases.held}</td><td>gauge ({@code fuel})</td><td></td>
 *       <td>the fuel this host holds in leases, all tenants</td></tr>
 *   <tr><td>{@code terrarium.ledger.redis.outage.granted}</td><td>function counter ({@code fuel})</td><td></td>
 *       <td>fuel granted from the outage allowance ({@link FailurePolicy#allowDuringOutage})</td></tr>
 * </table>
 */
final class LedgerMeters {
  enum Kind {
    LEASE,
    RETURN,
    READ
  }

  private final Timer[] ok = new Timer[Kind.values().length];
  private final Timer[] failed = new Timer[Kind.values().length];
  private final DistributionSummary leaseSize;

  LedgerMeters(MeterRegistry registry, RedisFuelLedger ledger) {
    for (Kind k : Kind.values()) {
      String kind = k.name().toLowerCase(java.util.Locale.ROOT);
      ok[k.ordinal()] = timer(registry, kind, "ok");
      failed[k.ordinal()] = timer(registry, kind, "failed");
    }
    leaseSize =
        DistributionSummary.builder("terrarium.ledger.redis.lease.size")
            .description("fuel granted by each lease round trip")
            .baseUnit("fuel")
            .register(registry);
    Gauge.builder("terrarium.ledger.redis.leases.held", ledger, RedisFuelLedger::leasesHeld)
        .description("fuel this host holds in leases, all tenants")
        .baseUnit("fuel")
        .register(registry);
    FunctionCounter.builder("terrarium.ledger.redis.outage.granted", ledger, RedisFuelLedger::outageGranted)
        .description("fuel granted from the outage allowance while Redis was unreachable")
        .baseUnit("fuel")
        .register(registry);
  }

  private static Timer timer(MeterRegistry registry, String kind, String outcome) {
    return Timer.builder("terrarium.ledger.redis.round.trips")
        .description("round trips to Redis: script runs (lease, return, read) and reads")
        .tags("kind", kind, "outcome", outcome)
        .register(registry);
  }

  void roundTrip(Kind kind, boolean succeeded, long nanos) {
    (succeeded ? ok : failed)[kind.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
  }

  void lease(long granted) {
    leaseSize.record(granted);
  }
}
