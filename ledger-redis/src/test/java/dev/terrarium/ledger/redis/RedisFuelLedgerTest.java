package dev.terrarium.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.quota.FuelLedger;
import dev.terrarium.host.quota.InMemoryFuelLedger;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's arithmetic and leasing against a real redis-server, in one JVM. */
class RedisFuelLedgerTest {
  @TempDir static java.nio.file.Path temp;
  static RedisServer redis;

  private static final FuelPolicy NEVER_REFILLS = new FuelPolicy(1000, 0, Duration.ofSeconds(1), null, null);

  @BeforeAll
  static void startRedis() throws Exception {
    redis = RedisServer.start(temp.resolve("redis"));
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  private static String tenant() {
    return "t-" + java.util.UUID.randomUUID();
  }

  @Test
  void build_failsWithOneClearError_whenRedisIsUnreachable_andAReachableRedisThenWorks() throws Exception {
    int nobody = RedisServer.freePort();
    assertThatThrownBy(
            () ->
                RedisFuelLedger.builder("redis://127.0.0.1:" + nobody)
                    .connectTimeout(Duration.ofMillis(500))
                    .build())
        .isInstanceOf(RedisLedgerException.class)
        .hasMessageStartingWith("[Terrarium/REDIS_LEDGER] Redis fuel ledger at redis://127.0.0.1:" + nobody + ": ")
        .hasMessageContaining("cannot connect to Redis to build the fuel ledger")
        .hasMessageContaining("Start Redis (or Valkey) there, or give RedisFuelLedger.builder the address");

    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).build()) {
      assertThat(ledger.withdraw(tenant(), NEVER_REFILLS, 10)).isEqualTo(10);
    }
  }

  @Test
  void builder_namesBadValues() {
    assertThatThrownBy(() -> RedisFuelLedger.builder(" ")).hasMessageContaining("redisUri must not be blank");
    assertThatThrownBy(() -> RedisFuelLedger.builder(redis.uri()).leaseSize(0))
        .hasMessage("leaseSize must be at least 1, was 0");
    assertThatThrownBy(() -> RedisFuelLedger.builder(redis.uri()).adaptiveLease(10, 5, Duration.ofMillis(1)))
        .hasMessage("the maximum lease 5 is below the minimum 10");
    assertThatThrownBy(() -> RedisFuelLedger.builder(redis.uri()).commandTimeout(Duration.ZERO))
        .hasMessage("commandTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> RedisFuelLedger.builder("http://example.com").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redisUri is not a Redis URI");
    assertThatThrownBy(() -> FailurePolicy.allowDuringOutage(0))
        .hasMessage("the outage allowance must be at least 1 unit, was 0");
  }

  @Test
  void exchanges_giveTheSameGrantsAndBalanceAsTheInMemoryLedger() {
    String t = tenant();
    InMemoryFuelLedger memory = new InMemoryFuelLedger();
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).leaseSize(1).build()) {
      for (FuelLedger l : List.<FuelLedger>of(memory, ledger)) {
        String name = l.getClass().getSimpleName();
        assertThat(l.withdraw(t, NEVER_REFILLS, 300)).as(name).isEqualTo(300);
        assertThat(l.withdraw(t, NEVER_REFILLS, 800)).as(name + ": the rest, partly").isEqualTo(700);
        assertThat(l.withdraw(t, NEVER_REFILLS, 1)).as(name + ": empty").isZero();
        l.deposit(t, NEVER_REFILLS, 100);
        assertThat(l.withdraw(t, NEVER_REFILLS, 50)).as(name).isEqualTo(50);
        l.charge(t, NEVER_REFILLS, 200);
        assertThat(l.withdraw(t, NEVER_REFILLS, 10)).as(name + ": in debt").isZero();
        assertThat(l.balance(t, NEVER_REFILLS)).as(name + ": the overrun is owed").isEqualTo(-150);
      }
      // Redis debited 1000 and was charged 150: what the tenant used (1000 - 100 + 50 + 200) and nothing more.
      assertThat(ledger.spent(t)).isEqualTo(1150);
      assertThat(ledger.leaseHeld(t)).isZero();
    }
  }

  @Test
  void exchangesInsideALease_doNotGoToRedis_andCloseReturnsTheLease() {
    String t = tenant();
    FuelPolicy policy = new FuelPolicy(1_000_000, 0, Duration.ofSeconds(1), null, null);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).leaseSize(10_000).build();
    try {
      ledger.bindTo(registry);
      assertThat(ledger.withdraw(t, policy, 100)).isEqualTo(100);
      assertThat(ledger.leaseHeld(t)).isEqualTo(10_000);
      for (int i = 0; i < 50; i++) {
        assertThat(ledger.withdraw(t, policy, 100)).isEqualTo(100);
        ledger.deposit(t, policy, 40);
      }
      assertThat(ledger.leaseHeld(t)).isEqualTo(10_000 - 50 * 60);
      assertThat(registry.get("terrarium.ledger.redis.round.trips").tags("kind", "lease", "outcome", "ok").timer().count())
          .as("one lease round trip served 51 withdrawals")
          .isEqualTo(1);
      assertThat(registry.get("terrarium.ledger.redis.lease.size").summary().totalAmount()).isEqualTo(10_100);
      assertThat(registry.get("terrarium.ledger.redis.leases.held").gauge().value()).isEqualTo(7_000);
      assertThat(ledger.balance(t, policy)).as("the lease counts as spent").isEqualTo(1_000_000 - 10_100);
      ledger.close();
      assertThat(registry.get("terrarium.ledger.redis.round.trips").tags("kind", "return", "outcome", "ok").timer().count())
          .isEqualTo(1);
      assertThatThrownBy(() -> ledger.balance(t, policy))
          .isInstanceOf(RedisLedgerException.class)
          .hasMessageContaining("the ledger is closed; build a new one");
    } finally {
      ledger.close();
    }
    try (RedisFuelLedger again = RedisFuelLedger.builder(redis.uri()).build()) {
      assertThat(again.balance(t, policy)).as("what the calls did not use is back").isEqualTo(1_000_000 - 100 - 50 * 60);
      assertThat(again.spent(t)).isEqualTo(100 + 50 * 60);
    }
  }

  @Test
  void manyThreads_loseNothing_andNeverGetMoreThanTheBucketHeld() throws Exception {
    String t = tenant();
    FuelPolicy policy = new FuelPolicy(2_000_000, 0, Duration.ofSeconds(1), null, null);
    AtomicLong kept = new AtomicLong();
    try (RedisFuelLedger a = RedisFuelLedger.builder(redis.uri()).adaptiveLease(100, 50_000, Duration.ofMillis(20)).build();
        RedisFuelLedger b = RedisFuelLedger.builder(redis.uri()).leaseSize(3_000).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        RedisFuelLedger l = i % 2 == 0 ? a : b;
        long seed = i;
        done.add(
            pool.submit(
                () -> {
                  Random r = new Random(seed);
                  while (true) {
                    long want = 1 + r.nextInt(5_000);
                    long got = l.withdraw(t, policy, want);
                    assertThat(got).isBetween(0L, want);
                    if (got == 0 && l.leasesHeld() == 0) {
                      return null;
                    }
                    long back = got == 0 ? 0 : r.nextInt((int) got + 1) / 2;
                    l.deposit(t, policy, back);
                    kept.addAndGet(got - back);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
    }
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).build()) {
      assertThat(kept.get() + ledger.balance(t, policy)).as("kept plus balance is the capacity").isEqualTo(2_000_000);
      assertThat(ledger.spent(t)).isEqualTo(kept.get());
    }
  }

  @Test
  void tenants_areIndependent() {
    String t1 = tenant();
    String t2 = tenant();
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).leaseSize(1).build()) {
      assertThat(ledger.withdraw(t1, NEVER_REFILLS, 5000)).isEqualTo(1000);
      assertThat(ledger.withdraw(t2, NEVER_REFILLS, 10)).isEqualTo(10);
      assertThat(ledger.balance(t2, NEVER_REFILLS)).isEqualTo(989);
    }
  }

  @Test
  void adaptiveLeases_growWithConsumption_soRoundTripsStayFewAndCallsRarelyWait() {
    String t = tenant();
    FuelPolicy policy = new FuelPolicy(1_000_000_000L, 0, Duration.ofSeconds(1), null, null);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisFuelLedger ledger =
        RedisFuelLedger.builder(redis.uri()).adaptiveLease(1_000, 10_000_000, Duration.ofMillis(50)).build();
    try {
      ledger.bindTo(registry);
      long taken = 0;
      for (int i = 0; i < 5_000; i++) {
        taken += ledger.withdraw(t, policy, 10_000);
      }
      assertThat(taken).isEqualTo(50_000_000);
      var trips = registry.get("terrarium.ledger.redis.round.trips").tags("kind", "lease", "outcome", "ok").timer();
      var sizes = registry.get("terrarium.ledger.redis.lease.size").summary();
      assertThat(trips.count()).as("leases for 5000 withdrawals").isLessThan(500);
      assertThat(sizes.max()).as("the lease grew from its minimum").isGreaterThan(100_000);
    } finally {
      ledger.close();
    }
    try (RedisFuelLedger again = RedisFuelLedger.builder(redis.uri()).build()) {
      assertThat(again.spent(t)).as("every lease came back").isEqualTo(50_000_000);
    }
  }

  @Test
  void anIdleLease_goesBackToRedis_andTheNextCallTakesANewOne() throws Exception {
    String t = tenant();
    FuelPolicy policy = new FuelPolicy(1_000_000, 0, Duration.ofSeconds(1), null, null);
    try (RedisFuelLedger ledger =
        RedisFuelLedger.builder(redis.uri()).leaseSize(10_000).returnIdleLeasesAfter(Duration.ofMillis(100)).build()) {
      assertThat(ledger.withdraw(t, policy, 10)).isEqualTo(10);
      assertThat(ledger.leaseHeld(t)).isEqualTo(10_000);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
      while (ledger.balance(t, policy) != 1_000_000 - 10) {
        assertThat(System.nanoTime()).as("the idle lease goes back").isLessThan(deadline);
        Thread.sleep(20);
      }
      assertThat(ledger.leaseHeld(t)).isZero();
      assertThat(ledger.withdraw(t, policy, 10)).isEqualTo(10);
      assertThat(ledger.leaseHeld(t)).isEqualTo(10_000);
    }
  }

  @Test
  void theUnlimitedPolicy_isServedWithoutRedis_andPoliciesBeyondItsArithmeticAreRefusedClearly() throws Exception {
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).build()) {
      assertThat(ledger.withdraw("u", FuelPolicy.unlimited(), Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
      assertThat(ledger.balance("u", FuelPolicy.unlimited())).isEqualTo(Long.MAX_VALUE);
      assertThat(ledger.spent("u")).isZero();

      FuelPolicy huge = FuelPolicy.per(1L << 53, Duration.ofHours(1));
      assertThatThrownBy(() -> ledger.withdraw("h", huge, 1))
          .isInstanceOf(RedisLedgerException.class)
          .hasMessageContaining("tenant 'h' has a bucket of 9007199254740992 units, more than the 4503599627370496")
          .hasMessageContaining("give it a smaller capacity");
      FuelPolicy fine = new FuelPolicy(1000, (1L << 60) + 1, Duration.ofNanos(7), null, null);
      assertThatThrownBy(() -> ledger.withdraw("f", fine, 1))
          .isInstanceOf(RedisLedgerException.class)
          .hasMessageContaining("a rate the Redis ledger cannot compute exactly");
      assertThat(ledger.withdraw("ok", FuelPolicy.per(10_000_000_000L, Duration.ofHours(1)), 1000))
          .as("the same ledger still serves a realistic policy")
          .isEqualTo(1000);
    }
  }

  @Test
  void refill_isExactlyFuelPolicyRefillOver_onTheServersClock_forAwkwardRatesAndLongIdles() throws Exception {
    String script;
    try (var in = RedisFuelLedger.class.getResourceAsStream("exchange.lua")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> r = c.sync();
      Random random = new Random(42);
      long[] amounts = {1, 7, 999_999_937, 10_000_000_000L, 3_000_000_007L, 1L << 40};
      Duration[] periods = {
        Duration.ofNanos(3), Duration.ofMillis(7), Duration.ofSeconds(1), Duration.ofHours(1),
        Duration.ofNanos(3_599_999_999_989L), Duration.ofDays(365)
      };
      int checked = 0;
      for (int i = 0; i < 300; i++) {
        long amount = amounts[random.nextInt(amounts.length)];
        Duration period = periods[random.nextInt(periods.length)];
        FuelPolicy policy;
        RedisFuelLedger.Rate rate;
        try {
          policy = new FuelPolicy(RedisFuelLedger.MAX_CAPACITY, amount, period, null, null);
          rate = RedisFuelLedger.Rate.of(policy, "x", "test");
        } catch (RedisLedgerException tooFine) {
          continue;
        }
        long nowUs = serverMicros(r);
        long idleUs = (long) (random.nextDouble() * 100L * 24 * 3600 * 1_000_000); // up to 100 days
        long originUs = nowUs - idleUs - random.nextInt(1_000_000);
        long lastUs = originUs + (long) (random.nextDouble() * (nowUs - originUs));
        long balance = random.nextInt(1000) - 500;
        String key = "refill-" + i;
        r.hset(key, java.util.Map.of("b", Long.toString(balance), "o", Long.toString(originUs), "l", Long.toString(lastUs)));
        List<Object> out = r.eval(script, ScriptOutputType.MULTI, new String[] {key, key + ":spent"}, rate.args(0, 0));
        long now = (Long) out.get(3);
        BigInteger a = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(1000));
        BigInteger p = BigInteger.valueOf(period.toNanos());
        BigInteger earned =
            BigInteger.valueOf(now - originUs).multiply(a).divide(p)
                .subtract(BigInteger.valueOf(lastUs - originUs).multiply(a).divide(p));
        BigInteger expected = earned.add(BigInteger.valueOf(balance)).min(BigInteger.valueOf(RedisFuelLedger.MAX_CAPACITY));
        assertThat((Long) out.get(1))
            .as("%s per %s, origin %s us and last %s us before %s", amount, period, now - originUs, now - lastUs, now)
            .isEqualTo(expected.longValueExact());
        // and exactly what FuelPolicy computes in nanoseconds, where that fits a long
        if (now - originUs < Long.MAX_VALUE / 1000) {
          long upToNow = policy.refillOver((now - originUs) * 1000);
          long upToLast = policy.refillOver((lastUs - originUs) * 1000);
          long inNanos = upToNow - upToLast;
          if (upToNow < Long.MAX_VALUE && balance + inNanos < RedisFuelLedger.MAX_CAPACITY) {
            assertThat((Long) out.get(1)).isEqualTo(balance + inNanos);
          }
        }
        checked++;
      }
      assertThat(checked).isGreaterThan(150);

      // a clock that steps back credits nothing
      long nowUs = serverMicros(r);
      FuelPolicy fast = FuelPolicy.per(1_000_000, Duration.ofSeconds(1));
      r.hset("ahead", java.util.Map.of("b", "5", "o", Long.toString(nowUs - 10_000_000), "l", Long.toString(nowUs + 10_000_000)));
      List<Object> out =
          r.eval(script, ScriptOutputType.MULTI, new String[] {"ahead", "ahead:spent"},
              RedisFuelLedger.Rate.of(fast, "x", "test").args(0, 0));
      assertThat((Long) out.get(1)).isEqualTo(5);
    } finally {
      client.shutdown();
    }
  }

  private static long serverMicros(RedisCommands<String, String> r) {
    List<String> t = r.time();
    return Long.parseLong(t.get(0)) * 1_000_000 + Long.parseLong(t.get(1));
  }

  @Test
  void aBucketThatRefills_refillsOnTheServersClock() throws Exception {
    String t = tenant();
    FuelPolicy policy = FuelPolicy.per(100_000, Duration.ofSeconds(1));
    try (RedisFuelLedger ledger = RedisFuelLedger.builder(redis.uri()).leaseSize(1).build()) {
      assertThat(ledger.withdraw(t, policy, 200_000)).isBetween(100_000L, 100_010L);
      Thread.sleep(300);
      long balance = ledger.balance(t, policy);
      assertThat(balance).as("about 30 000 units refilled in 0.3 s").isBetween(25_000L, 60_000L);
    }
  }
}
