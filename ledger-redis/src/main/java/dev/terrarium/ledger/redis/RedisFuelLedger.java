package dev.terrarium.ledger.redis;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.quota.FuelLedger;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FuelLedger} on Redis, so that a cluster of hosts (JVMs behind a load balancer) shares every tenant's
 * bucket: "10 billion units an hour" holds across all of them.
 *
 * <pre>{@code
 * RedisFuelLedger ledger = RedisFuelLedger.builder("redis://redis.internal:6379").build();
 * PluginHost host = PluginHost.builder().meterFuel().fuelLedger(ledger).build();
 * ...
 * host.close();
 * ledger.close();   // returns this host's unused leases to Redis
 * }</pre>
 *
 * <h2>Leases</h2>
 *
 * <p>Each tenant's bucket is a Redis hash, changed only by one Lua script that does the whole {@link
 * FuelLedger#exchange} (refill from Redis's {@code TIME}, credit, grant, debit) atomically in one round trip. A
 * host does not go to Redis for every exchange: it takes fuel for a tenant in a <em>lease</em> (one script run)
 * and serves the tenant's exchanges from it in memory, with a compare-and-set and no network. When the lease runs
 * low the host takes the next one in the background, and when it runs out a call waits for one round trip. Fuel
 * returned by calls goes back to the lease; a debt (a guest's overrun) travels to Redis with the next round trip.
 * A lease no call has touched for a while goes back to Redis ({@link Builder#returnIdleLeasesAfter}), and {@link
 * #close()} returns every lease. The lease size is fixed ({@link Builder#leaseSize}) or adapts to the
 * tenant's consumption on this host ({@link Builder#adaptiveLease}, the default); a lease is never more than an
 * eighth of the tenant's capacity.
 *
 * <h2>Consistency</h2>
 *
 * <p>Redis debits a lease when it grants it, so leases are spent fuel as far as the bucket is concerned: a tenant
 * never uses more than Redis granted, and the bucket's exactness holds cluster-wide (every unit granted is debited
 * once, every unit returned credited once). What leasing changes is where unused fuel sits: up to one lease per
 * tenant per host (plus fuel returned by calls since the last round trip) is held by hosts rather than by the
 * bucket, so a tenant whose bucket is empty may be refused on one host while another holds fuel for it, and over
 * any window a tenant may spend its capacity plus its refill plus the leases it held at the start of the window.
 * The overrun of the SPI (at most one slice per concurrent call, charged as debt) is unchanged. A host that dies
 * without {@link #close()} loses its leases: the tenant was charged for them, never the other way round.
 *
 * <h2>Faults</h2>
 *
 * <p>{@link Builder#build()} connects and loads the script; if Redis cannot be reached it throws one {@link
 * RedisLedgerException} naming the address. Later, while Redis is unreachable (or slower than the command
 * timeout), calls served from leases already held continue; an exchange that needs a new lease throws {@link
 * RedisLedgerException}, which fails the call with {@code CALL_FUEL_EXHAUSTED}, reason {@code LEDGER_FAILURE}
 * (fail-closed), unless the {@link FailurePolicy} allows a bounded local allowance. Commands are never retried
 * or replayed after a reconnect (an exchange moves fuel and is not idempotent); a round trip whose outcome is
 * unknown counts as spent. The client reconnects on its own, and reloads the script if Redis lost it (a restart).
 *
 * <h2>Limits</h2>
 *
 * <p>Redis's Lua computes in doubles, so a bucket's capacity must be at most 2^52 units (4.5 × 10^15, seven weeks
 * of a core's work) and its refill rate, as an exact fraction of units per microsecond, must have a numerator
 * below 2^50; any realistic quota fits. {@link FuelPolicy#unlimited()} is served locally without Redis.
 *
 * <p>Thread-safe. Bind meters with {@link #bindTo(MeterRegistry)} (see {@link LedgerMeters} for the names).
 */
public final class RedisFuelLedger implements FuelLedger, MeterBinder, AutoCloseable {
  static final long MAX_CAPACITY = 1L << 52;
  static final long MAX_RATE_NUMERATOR = 1L << 50;
  /** A lease is never more than this fraction of the tenant's capacity. */
  static final int MAX_LEASE_SHARE = 8;

  private static final System.Logger LOG = System.getLogger(RedisFuelLedger.class.getName());
  private static final String SCRIPT = readScript();
  private static final Duration UNLIMITED_PERIOD = FuelPolicy.unlimited().refillPeriod();

  private final String address;
  private final String prefix;
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisAsyncCommands<String, String> commands;
  private final Duration commandTimeout;
  private final long leaseSize;
  private final boolean adaptive;
  private final long minLease;
  private final long maxLease;
  private final long leaseIntervalNanos;
  private final FailurePolicy failurePolicy;
  /** Returns idle leases (see {@link Builder#returnIdleLeasesAfter}); one daemon thread. */
  private final java.util.concurrent.ScheduledExecutorService sweeper;
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
  private final AtomicLong outageGranted = new AtomicLong();
  private volatile String sha;
  private volatile boolean reachable = true;
  /** Set when {@link #close()} starts: no more prefetching. */
  private volatile boolean closing;
  /** Set when {@link #close()} has returned the leases: no more round trips. */
  private volatile boolean closed;
  private volatile LedgerMeters meters;

  private RedisFuelLedger(Builder b, String address, ClientResources resources, RedisClient client,
      StatefulRedisConnection<String, String> connection, String sha) {
    this.address = address;
    this.prefix = b.keyPrefix;
    this.resources = resources;
    this.client = client;
    this.connection = connection;
    this.commands = connection.async();
    this.commandTimeout = b.commandTimeout;
    this.leaseSize = b.leaseSize;
    this.adaptive = b.adaptive;
    this.minLease = b.minLease;
    this.maxLease = b.maxLease;
    this.leaseIntervalNanos = b.leaseInterval.toNanos();
    this.failurePolicy = b.failurePolicy;
    this.sha = sha;
    long every = b.idleReturn.toNanos();
    this.sweeper =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "terrarium-redis-ledger-idle-leases");
              t.setDaemon(true);
              return t;
            });
    sweeper.scheduleAtFixedRate(this::returnIdleLeases, every, every, TimeUnit.NANOSECONDS);
  }

  /**
   * Starts building a ledger on the Redis at {@code redisUri} ({@code redis://host:port}, {@code
   * redis://:password@host:port/db}, {@code rediss://...} for TLS: Lettuce's URI syntax).
   */
  public static Builder builder(String redisUri) {
    return new Builder(redisUri);
  }

  // ---- the SPI ----

  @Override
  public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(policy, "policy");
    if (wanted < 0) {
      throw new IllegalArgumentException("wanted must not be negative, was " + wanted);
    }
    if (isUnlimited(policy)) {
      return wanted;
    }
    Lease l = lease(tenantId);
    Rate rate = l.rate(policy);
    if (credit != 0) {
      l.fuel.addAndGet(credit);
    }
    if (wanted == 0) {
      return 0;
    }
    if (l.tryTake(wanted)) {
      maybePrefetch(l, rate);
      return wanted;
    }
    return refillAndTake(l, rate, wanted);
  }

  /**
   * Returns the tenant's balance in Redis now, refill included (one round trip). Leases held by hosts count as
   * spent, as slices held by calls do; {@link #leaseHeld} says what this host holds.
   *
   * @throws RedisLedgerException when Redis cannot be reached
   */
  @Override
  public long balance(String tenantId, FuelPolicy policy) {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(policy, "policy");
    if (isUnlimited(policy)) {
      return Long.MAX_VALUE;
    }
    Lease l = lease(tenantId);
    return (Long) eval(l, l.rate(policy), 0, 0, LedgerMeters.Kind.READ).get(1);
  }

  // ---- reads ----

  /**
   * Returns the fuel the tenant has taken from its bucket and not given back, over its whole life and on every
   * host: what its calls used, plus the leases and slices still held (one round trip; 0 for a tenant never
   * seen). Once every host has closed, it is exactly what the tenant's calls used.
   *
   * @throws RedisLedgerException when Redis cannot be reached
   */
  public long spent(String tenantId) {
    Objects.requireNonNull(tenantId, "tenantId");
    checkOpen();
    long start = System.nanoTime();
    try {
      String v = await(commands.get(spentKey(tenantId)).toCompletableFuture());
      record(LedgerMeters.Kind.READ, true, start);
      return v == null ? 0 : Long.parseLong(v);
    } catch (RuntimeException e) {
      record(LedgerMeters.Kind.READ, false, start);
      throw failure("could not read what tenant '" + tenantId + "' spent", e);
    }
  }

  /**
   * Returns the fuel this host holds for the tenant: taken from Redis and not yet handed to a call (negative
   * while a debt waits for the next round trip). No network.
   */
  public long leaseHeld(String tenantId) {
    Lease l = leases.get(tenantId);
    return l == null ? 0 : l.fuel.get();
  }

  /** Returns the fuel this host holds for all tenants. No network. */
  public long leasesHeld() {
    long sum = 0;
    for (Lease l : leases.values()) {
      sum += Math.max(0, l.fuel.get());
    }
    return sum;
  }

  /** Returns the fuel granted from the outage allowance since this ledger was built (see {@link FailurePolicy}). */
  public long outageGranted() {
    return outageGranted.get();
  }

  /** Returns the Redis address this ledger uses, without credentials. */
  public String address() {
    return address;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    meters = new LedgerMeters(registry, this);
  }

  /**
   * Returns every lease this host holds to Redis (and charges debts and outage draws), then disconnects. Close
   * the hosts that use the ledger first. If Redis cannot be reached, the leases are lost: their tenants stay
   * charged for them, and a warning is logged.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    sweeper.shutdownNow();
    try {
      long deadline = System.nanoTime() + commandTimeout.toNanos();
      for (Lease l : leases.values()) {
        while (l.prefetching.get() && System.nanoTime() < deadline) {
          java.util.concurrent.locks.LockSupport.parkNanos(100_000); // a lease on its way: return it too
        }
        l.lock.lock();
        try {
          Rate rate = l.rate;
          long back = l.fuel.getAndSet(0);
          long owed = l.owed.getAndSet(0);
          long credit = back - owed;
          if (rate == null || credit == 0) {
            continue;
          }
          try {
            eval(l, rate, credit, 0, LedgerMeters.Kind.RETURN);
          } catch (RedisLedgerException e) {
            LOG.log(
                System.Logger.Level.WARNING,
                "could not return " + back + " units of fuel (and charge " + owed + " drawn during an outage) for"
                    + " tenant '" + l.tenantId + "'; the tenant stays charged for them",
                e);
          }
        } finally {
          l.lock.unlock();
        }
      }
    } finally {
      closed = true;
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "RedisFuelLedger[" + address + ", prefix " + prefix + "]";
  }

  // ---- leasing ----

  private long refillAndTake(Lease l, Rate rate, long wanted) {
    l.lock.lock();
    try {
      if (l.tryTake(wanted)) {
        return wanted;
      }
      long held = Math.max(0, l.fuel.get());
      long ask = saturatedAdd(Math.max(0, wanted - held), leaseTarget(l, rate));
      try {
        trip(l, rate, ask, LedgerMeters.Kind.LEASE);
      } catch (RedisLedgerException e) {
        long part = l.takeUpTo(wanted);
        return part > 0 ? part : outage(l, wanted, e);
      }
      return l.takeUpTo(wanted);
    } finally {
      l.lock.unlock();
    }
  }

  /**
   * One round trip that takes {@code ask} units into the lease, carrying the lease's debt and what was drawn
   * during an outage. On failure both are put back (the tenant may then be charged them twice, never zero times).
   */
  private long trip(Lease l, Rate rate, long ask, LedgerMeters.Kind kind) {
    long debt = Math.max(Math.min(l.fuel.get(), 0), -MAX_CAPACITY);
    if (debt < 0) {
      l.fuel.addAndGet(-debt);
    }
    long owed = l.owed.getAndSet(0);
    try {
      long granted = (Long) eval(l, rate, debt - owed, ask, kind).get(0);
      l.fuel.addAndGet(granted);
      l.granted(granted);
      return granted;
    } catch (RedisLedgerException e) {
      restore(l, debt, owed);
      throw e;
    }
  }

  private void maybePrefetch(Lease l, Rate rate) {
    long target = leaseTarget(l, rate);
    if (l.fuel.get() >= target / 4 || !reachable || closing || !l.prefetching.compareAndSet(false, true)) {
      return;
    }
    long debt = Math.max(Math.min(l.fuel.get(), 0), -MAX_CAPACITY);
    if (debt < 0) {
      l.fuel.addAndGet(-debt);
    }
    long owed = l.owed.getAndSet(0);
    long start = System.nanoTime();
    CompletableFuture<List<Object>> f;
    try {
      f = run(l.keys, rate.args(debt - owed, target));
    } catch (RuntimeException e) {
      restore(l, debt, owed);
      l.prefetching.set(false);
      return;
    }
    f.whenComplete(
        (r, e) -> {
          try {
            if (e == null) {
              long granted = (Long) r.get(0);
              l.fuel.addAndGet(granted);
              l.granted(granted);
              reachable = true;
              record(LedgerMeters.Kind.LEASE, true, start);
              recordLease(granted);
            } else {
              reachable = false;
              restore(l, debt, owed);
              record(LedgerMeters.Kind.LEASE, false, start);
            }
          } finally {
            l.prefetching.set(false);
          }
        });
  }

  /**
   * Runs every {@code returnIdleLeasesAfter}: returns the lease of each tenant whose lease has not changed since the
   * previous run (no call on this host drew from it or gave back to it), so that idle hosts do not sit on fuel
   * other hosts could use. A return whose outcome is unknown is not retried: that fuel stays charged.
   */
  private void returnIdleLeases() {
    if (closing || !reachable) {
      return;
    }
    for (Lease l : leases.values()) {
      long now = l.fuel.get();
      long seen = l.lastSeen;
      l.lastSeen = now;
      Rate rate = l.rate;
      if (now <= 0 || now != seen || rate == null || l.prefetching.get() || l.owed.get() != 0
          || !l.lock.tryLock()) {
        continue;
      }
      try {
        long back = l.fuel.getAndSet(0);
        if (back <= 0) {
          l.fuel.addAndGet(back);
          continue;
        }
        l.lastSeen = 0;
        long start = System.nanoTime();
        run(l.keys, rate.args(back, 0))
            .whenComplete(
                (r, e) -> {
                  record(LedgerMeters.Kind.RETURN, e == null, start);
                  if (e != null) {
                    reachable = false;
                    LOG.log(
                        System.Logger.Level.WARNING,
                        "could not return the idle lease of " + back + " units for tenant '" + l.tenantId
                            + "' to the Redis fuel ledger at " + address + "; the tenant stays charged for it",
                        e);
                  }
                });
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "could not return an idle lease to " + address, e);
      } finally {
        l.lock.unlock();
      }
    }
  }

  private static void restore(Lease l, long debt, long owed) {
    if (debt < 0) {
      l.fuel.addAndGet(debt);
    }
    if (owed > 0) {
      l.owed.addAndGet(owed);
    }
  }

  /** Redis is down and the lease is empty: fail, or grant from the outage allowance. */
  private long outage(Lease l, long wanted, RedisLedgerException e) {
    long allowance = failurePolicy.outageAllowance();
    if (allowance == 0) {
      throw e;
    }
    while (true) {
      long drawn = l.outageDrawn.get();
      long grant = Math.min(wanted, allowance - drawn);
      if (grant <= 0) {
        throw new RedisLedgerException(
            address,
            "Redis is unreachable and tenant '" + l.tenantId + "' has used its outage allowance of " + allowance
                + " units on this host; calls that need fuel fail until Redis answers again",
            e.getCause());
      }
      if (l.outageDrawn.compareAndSet(drawn, drawn + grant)) {
        l.owed.addAndGet(grant);
        outageGranted.addAndGet(grant);
        return grant;
      }
    }
  }

  private long leaseTarget(Lease l, Rate rate) {
    long size = adaptive ? l.target : leaseSize;
    return Math.max(1, Math.min(size, rate.policy.capacity() / MAX_LEASE_SHARE));
  }

  // ---- Redis ----

  private List<Object> eval(Lease l, Rate rate, long credit, long wanted, LedgerMeters.Kind kind) {
    checkOpen();
    long start = System.nanoTime();
    try {
      List<Object> r = await(run(l.keys, rate.args(credit, wanted)));
      reachable = true;
      record(kind, true, start);
      if (kind == LedgerMeters.Kind.LEASE) {
        recordLease((Long) r.get(0));
      }
      if (l.outageDrawn.get() != 0 && l.owed.get() == 0) {
        l.outageDrawn.set(0);
      }
      return r;
    } catch (RuntimeException e) {
      reachable = false;
      record(kind, false, start);
      String what =
          switch (kind) {
            case LEASE -> "could not take a lease of " + wanted + " units of fuel for tenant '" + l.tenantId + "'";
            case RETURN -> "could not return fuel for tenant '" + l.tenantId + "'";
            case READ -> "could not read the balance of tenant '" + l.tenantId + "'";
          };
      throw failure(what, e);
    }
  }

  /** EVALSHA, and after a NOSCRIPT (Redis restarted and lost its script cache) SCRIPT LOAD and EVALSHA again. */
  private CompletableFuture<List<Object>> run(String[] keys, String[] args) {
    return commands
        .<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args)
        .toCompletableFuture()
        .exceptionallyCompose(
            e -> {
              Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
              if (!(cause instanceof RedisNoScriptException)) {
                return CompletableFuture.failedFuture(cause);
              }
              // NOSCRIPT: the script did not run, so running it now is not a retry of a fuel movement.
              return commands
                  .scriptLoad(SCRIPT)
                  .toCompletableFuture()
                  .thenCompose(
                      loaded -> {
                        sha = loaded;
                        return commands
                            .<List<Object>>evalsha(loaded, ScriptOutputType.MULTI, keys, args)
                            .toCompletableFuture();
                      });
            });
  }

  private <T> T await(CompletableFuture<T> f) {
    try {
      // Lettuce times the command out itself; this bound only guards against a future that never completes.
      return f.get(commandTimeout.toMillis() * 2 + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof RuntimeException re ? re : new IllegalStateException(c);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new IllegalStateException("no answer within " + commandTimeout.multipliedBy(2), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Redis", e);
    }
  }

  private RedisLedgerException failure(String what, RuntimeException e) {
    if (e instanceof RedisLedgerException rle) {
      return rle;
    }
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new RedisLedgerException(
        address,
        what + ": " + why + ". Calls that need a new lease fail until Redis answers again (the ledger reconnects on"
            + " its own); check that Redis is up and reachable at " + address
            + ", or choose FailurePolicy.allowDuringOutage to serve a bounded amount during outages.",
        e);
  }

  private void checkOpen() {
    if (closed) {
      throw new RedisLedgerException(address, "the ledger is closed; build a new one", null);
    }
  }

  private void record(LedgerMeters.Kind kind, boolean ok, long start) {
    LedgerMeters m = meters;
    if (m != null) {
      m.roundTrip(kind, ok, System.nanoTime() - start);
    }
  }

  private void recordLease(long granted) {
    LedgerMeters m = meters;
    if (m != null) {
      m.lease(granted);
    }
  }

  private Lease lease(String tenantId) {
    Lease l = leases.get(tenantId);
    if (l != null) {
      return l;
    }
    checkOpen();
    return leases.computeIfAbsent(tenantId, id -> new Lease(id, bucketKey(id), spentKey(id), minLease));
  }

  String bucketKey(String tenantId) {
    // The hash tag keeps a tenant's two keys in one slot of a Redis Cluster.
    return prefix + "{" + tenantId + "}";
  }

  String spentKey(String tenantId) {
    return prefix + "{" + tenantId + "}:spent";
  }

  private static boolean isUnlimited(FuelPolicy p) {
    return p.capacity() == Long.MAX_VALUE
        && p.refillAmount() == Long.MAX_VALUE
        && p.refillPeriod().equals(UNLIMITED_PERIOD);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static String readScript() {
    try (InputStream in = RedisFuelLedger.class.getResourceAsStream("exchange.lua")) {
      if (in == null) {
        throw new IllegalStateException("exchange.lua is missing from ledger-redis's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- per tenant state ----

  /** A tenant's bucket shape as the script's arguments: capacity and the refill rate as an exact fraction. */
  record Rate(FuelPolicy policy, String[] fixed) {
    static Rate of(FuelPolicy policy, String tenantId, String address) {
      if (policy.capacity() > MAX_CAPACITY) {
        throw new RedisLedgerException(
            address,
            "tenant '" + tenantId + "' has a bucket of " + policy.capacity() + " units, more than the "
                + MAX_CAPACITY + " (2^52) the Redis ledger computes exactly; give it a smaller capacity, or"
                + " FuelPolicy.unlimited()",
            null);
      }
      // refill over e microseconds = floor(e * 1000 * amount / periodNanos) = floor(e * n / d)
      BigInteger n = BigInteger.valueOf(policy.refillAmount()).multiply(BigInteger.valueOf(1000));
      BigInteger d = BigInteger.valueOf(policy.refillPeriod().toNanos());
      BigInteger g = n.gcd(d);
      if (g.signum() != 0) {
        n = n.divide(g);
        d = d.divide(g);
      }
      if (n.bitLength() > 50) {
        throw new RedisLedgerException(
            address,
            "tenant '" + tenantId + "' refills " + policy.refillAmount() + " units per " + policy.refillPeriod()
                + ", a rate the Redis ledger cannot compute exactly (its fraction of units per microsecond needs"
                + " more than 50 bits); round the amount or the period, or use FuelPolicy.unlimited()",
            null);
      }
      String[] fixed = new String[9];
      fixed[0] = Long.toString(policy.capacity());
      limbs(n, fixed, 1);
      limbs(d, fixed, 5);
      return new Rate(policy, fixed);
    }

    private static void limbs(BigInteger v, String[] out, int at) {
      long mask = (1L << 24) - 1;
      BigInteger rest = v;
      for (int i = 0; i < 4; i++) {
        out[at + i] = Long.toString(rest.longValue() & mask);
        rest = rest.shiftRight(24);
      }
    }

    String[] args(long credit, long wanted) {
      String[] a = new String[11];
      System.arraycopy(fixed, 0, a, 0, 9);
      a[9] = Long.toString(Math.max(credit, -MAX_CAPACITY));
      a[10] = Long.toString(Math.min(wanted, MAX_CAPACITY));
      return a;
    }
  }

  final class Lease {
    final String tenantId;
    final String[] keys;
    /** Fuel taken from Redis and not handed out; negative while a debt waits for the next round trip. */
    final AtomicLong fuel = new AtomicLong();
    /** Fuel drawn from the outage allowance and not yet charged to Redis. */
    final AtomicLong owed = new AtomicLong();
    final AtomicLong outageDrawn = new AtomicLong();
    final ReentrantLock lock = new ReentrantLock();
    final AtomicBoolean prefetching = new AtomicBoolean();
    volatile Rate rate;
    volatile long target;
    /** The lease as the idle sweeper last saw it (only the sweeper's thread uses it). */
    long lastSeen;
    private long windowStart;
    private long windowGranted;

    Lease(String tenantId, String bucketKey, String spentKey, long initialTarget) {
      this.tenantId = tenantId;
      this.keys = new String[] {bucketKey, spentKey};
      this.target = initialTarget;
    }

    Rate rate(FuelPolicy policy) {
      Rate r = rate;
      if (r != null && (r.policy == policy || r.policy.equals(policy))) {
        return r;
      }
      r = Rate.of(policy, tenantId, address);
      rate = r;
      return r;
    }

    boolean tryTake(long wanted) {
      while (true) {
        long cur = fuel.get();
        if (cur < wanted) {
          return false;
        }
        if (fuel.compareAndSet(cur, cur - wanted)) {
          return true;
        }
      }
    }

    long takeUpTo(long wanted) {
      while (true) {
        long cur = fuel.get();
        long take = Math.min(wanted, Math.max(cur, 0));
        if (take == 0 || fuel.compareAndSet(cur, cur - take)) {
          return take;
        }
      }
    }

    /**
     * Adapts the lease size to this host's consumption of the tenant: enough for {@code leaseInterval} at the rate
     * fuel was granted over the last interval, between the minimum and the maximum.
     */
    synchronized void granted(long units) {
      if (!adaptive) {
        return;
      }
      long now = System.nanoTime();
      if (windowStart == 0) {
        windowStart = now;
      }
      windowGranted += units;
      long elapsed = now - windowStart;
      if (elapsed >= leaseIntervalNanos) {
        double perNano = (double) windowGranted / elapsed;
        long wantedSize = (long) Math.min((double) maxLease, perNano * leaseIntervalNanos);
        target = Math.max(minLease, Math.min(maxLease, (target + wantedSize) / 2));
        windowStart = now;
        windowGranted = 0;
      } else if (windowGranted > 2 * target) {
        // Consumption outgrew the lease well within the interval: grow now rather than at its end.
        target = Math.min(maxLease, target * 2);
      }
    }
  }

  // ---- the builder ----

  /** Builds a {@link RedisFuelLedger}; each setter checks its value and names it when it is bad. */
  public static final class Builder {
    private final String uri;
    private String keyPrefix = "terrarium:fuel:";
    private Duration commandTimeout = Duration.ofSeconds(1);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration reconnectDelayMax = Duration.ofSeconds(1);
    private long leaseSize;
    private boolean adaptive = true;
    private long minLease = 1_000_000L;
    private long maxLease = 100_000_000L;
    private Duration leaseInterval = Duration.ofMillis(100);
    private FailurePolicy failurePolicy = FailurePolicy.failClosed();
    private Duration idleReturn = Duration.ofSeconds(10);

    private Builder(String uri) {
      Objects.requireNonNull(uri, "redisUri");
      if (uri.isBlank()) {
        throw new IllegalArgumentException("redisUri must not be blank (e.g. redis://localhost:6379)");
      }
      this.uri = uri;
    }

    /** The prefix of every key the ledger writes (default {@code terrarium:fuel:}); hosts sharing buckets use the same. */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * A fixed lease: each round trip takes {@code units} for a tenant beyond what the call needs (never more than
     * an eighth of the tenant's capacity). Larger leases mean fewer round trips and more fuel held by hosts.
     */
    public Builder leaseSize(long units) {
      if (units < 1) {
        throw new IllegalArgumentException("leaseSize must be at least 1, was " + units);
      }
      this.leaseSize = units;
      this.adaptive = false;
      return this;
    }

    /**
     * An adaptive lease (the default: 1 million to 100 million units, sized for 100 ms): each tenant's lease on
     * this host grows or shrinks so that it lasts about {@code interval} at the rate the host has been using the
     * tenant's fuel, between {@code min} and {@code max} (and never more than an eighth of its capacity).
     */
    public Builder adaptiveLease(long min, long max, Duration interval) {
      if (min < 1) {
        throw new IllegalArgumentException("the minimum lease must be at least 1, was " + min);
      }
      if (max < min) {
        throw new IllegalArgumentException("the maximum lease " + max + " is below the minimum " + min);
      }
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("the lease interval must be positive, was " + interval);
      }
      this.minLease = min;
      this.maxLease = max;
      this.leaseInterval = interval;
      this.adaptive = true;
      return this;
    }

    /**
     * Returns a tenant's lease to Redis once no call on this host has touched it for between {@code idle} and twice
     * that (default 10 s), so that fuel does not sit with a host whose calls have stopped.
     */
    public Builder returnIdleLeasesAfter(Duration idle) {
      this.idleReturn = positive(idle, "idle");
      return this;
    }

    /** How long a round trip may take before it counts as failed (default 1 s). */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = positive(timeout, "commandTimeout");
      return this;
    }

    /** How long connecting may take, at build and on reconnect (default 2 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** The longest pause between reconnection attempts while Redis is down (default 1 s). */
    public Builder reconnectDelayMax(Duration delay) {
      this.reconnectDelayMax = positive(delay, "reconnectDelayMax");
      return this;
    }

    /** What happens when a call needs a lease and Redis is unreachable (default {@link FailurePolicy#failClosed()}). */
    public Builder failurePolicy(FailurePolicy policy) {
      this.failurePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Connects to Redis and loads the exchange script.
     *
     * @throws IllegalArgumentException when the URI is malformed
     * @throws RedisLedgerException when Redis cannot be reached or refuses the script
     */
    public RedisFuelLedger build() {
      RedisURI redisUri;
      try {
        redisUri = RedisURI.create(uri);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "redisUri is not a Redis URI: " + e.getMessage() + " (expected redis://host:port)", e);
      }
      redisUri.setTimeout(commandTimeout);
      String address =
          (redisUri.isSsl() ? "rediss://" : "redis://")
              + redisUri.getHost()
              + ":"
              + redisUri.getPort()
              + (redisUri.getDatabase() != 0 ? "/" + redisUri.getDatabase() : "");
      ClientResources resources =
          DefaultClientResources.builder()
              .ioThreadPoolSize(2)
              .computationThreadPoolSize(2)
              .reconnectDelay(
                  Delay.exponential(Duration.ofMillis(10), reconnectDelayMax, 2, TimeUnit.MILLISECONDS))
              .build();
      RedisClient client = RedisClient.create(resources, redisUri);
      client.setOptions(
          ClientOptions.builder()
              .autoReconnect(true)
              // while disconnected, fail at once rather than queue: a queued exchange would run late, or twice
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              // never replay a command after a reconnect: an exchange is not idempotent
              .replayFilter(command -> true)
              .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
              .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
              .build());
      StatefulRedisConnection<String, String> connection = null;
      try {
        connection = client.connect();
        String sha = connection.sync().scriptLoad(SCRIPT);
        return new RedisFuelLedger(this, address, resources, client, connection, sha);
      } catch (RuntimeException e) {
        if (connection != null) {
          connection.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
          root = root.getCause();
        }
        throw new RedisLedgerException(
            address,
            "cannot connect to Redis to build the fuel ledger: "
                + root.getMessage()
                + ". Start Redis (or Valkey) there, or give RedisFuelLedger.builder the address of yours"
                + " (redis://host:port); a host cannot meter fuel against a ledger it cannot reach.",
            e);
      }
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + d);
      }
      return d;
    }
  }
}
