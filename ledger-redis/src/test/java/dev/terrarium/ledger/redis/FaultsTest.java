package dev.terrarium.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.samples.SamplePlugins;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redis lost and restarted under a running host: fail closed, say so clearly, reconnect. */
class FaultsTest {
  @TempDir Path temp;
  private RedisServer redis;

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.start(temp.resolve("redis"));
  }

  @AfterEach
  void stopRedis() throws Exception {
    redis.close();
  }

  @Test
  void redisLostMidRun_leasedCallsGoOn_callsNeedingALeaseFailNamingTheLedger_andRedisBackServesAgain()
      throws Exception {
    FuelPolicy policy = FuelPolicy.per(10_000_000_000L, Duration.ofHours(1));
    try (RedisFuelLedger ledger =
            RedisFuelLedger.builder(redis.uri()).leaseSize(20_000_000).commandTimeout(Duration.ofMillis(500)).build();
        PluginHost host = PluginHost.builder().meterFuel().fuelLedger(ledger).build()) {
      Tenant tenant = host.tenant("acme", policy);
      Plugin kernels = host.load(SamplePlugins.bytes("kernels.wasm"));
      PluginInstance instance = kernels.instantiate(tenant, InstanceOptions.defaults());
      assertThat(instance.call("fib", 20L)[0]).isEqualTo(6765);
      long small = instance.lastCallFuel();
      assertThat(ledger.leaseHeld("acme")).isGreaterThan(10 * small);

      redis.kill();
      for (int i = 0; i < 5; i++) {
        assertThat(instance.call("fib", 20L)[0]).as("served from the lease").isEqualTo(6765);
      }

      FuelExhaustedException failure = null;
      for (int i = 0; i < 200 && failure == null; i++) {
        try {
          instance.call("fib", 27L);
        } catch (FuelExhaustedException e) {
          failure = e;
        }
      }
      assertThat(failure).as("a call needing a new lease fails").isNotNull();
      assertThat(failure.reason()).isEqualTo(FuelExhaustedException.Reason.LEDGER_FAILURE);
      assertThat(failure.getCause()).isInstanceOf(RedisLedgerException.class);
      assertThat(failure.getMessage())
          .contains("the fuel ledger failed for tenant 'acme'")
          .contains("Redis fuel ledger at redis://127.0.0.1:" + redis.port())
          .contains("could not take a lease of")
          .contains("check that Redis is up and reachable");

      redis.restart(); // empty: the bucket is recreated full, and the script must be loaded again
      PluginInstance again = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (again == null) {
        PluginInstance candidate = kernels.instantiate(tenant, InstanceOptions.defaults());
        try {
          assertThat(candidate.call("fib", 27L)[0]).isEqualTo(196418);
          again = candidate;
        } catch (FuelExhaustedException e) {
          candidate.close();
          assertThat(System.nanoTime()).as("the ledger reconnects: %s", e.getMessage()).isLessThan(deadline);
          Thread.sleep(100);
        }
      }
      assertThat(ledger.spent("acme")).as("the new bucket is charged").isPositive();
      again.close();
      instance.close();
    }
  }

  @Test
  void anOutageAllowance_servesABoundedAmount_thenFails_andIsChargedWhenRedisReturns() throws Exception {
    FuelPolicy policy = new FuelPolicy(100_000_000L, 0, Duration.ofSeconds(1), null, null);
    try (RedisFuelLedger ledger =
        RedisFuelLedger.builder(redis.uri())
            .leaseSize(1_000_000)
            .commandTimeout(Duration.ofMillis(500))
            .failurePolicy(FailurePolicy.allowDuringOutage(5_000_000))
            .build()) {
      assertThat(ledger.withdraw("t", policy, 500_000)).isEqualTo(500_000);
      assertThat(ledger.leaseHeld("t")).isEqualTo(1_000_000);

      redis.kill();
      assertThat(ledger.withdraw("t", policy, 1_000_000)).as("the lease").isEqualTo(1_000_000);
      assertThat(ledger.withdraw("t", policy, 3_000_000)).as("the allowance").isEqualTo(3_000_000);
      assertThat(ledger.withdraw("t", policy, 3_000_000)).as("what is left of it").isEqualTo(2_000_000);
      assertThatThrownBy(() -> ledger.withdraw("t", policy, 1))
          .isInstanceOf(RedisLedgerException.class)
          .hasMessageContaining("Redis fuel ledger at redis://127.0.0.1:" + redis.port())
          .hasMessageContaining("tenant 't' has used its outage allowance of 5000000 units on this host");
      assertThat(ledger.outageGranted()).isEqualTo(5_000_000);

      redis.restart();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (true) {
        try {
          assertThat(ledger.withdraw("t", policy, 1)).isEqualTo(1);
          break;
        } catch (RedisLedgerException e) {
          assertThat(System.nanoTime()).as("the ledger reconnects: %s", e.getMessage()).isLessThan(deadline);
          Thread.sleep(100);
        }
      }
      // The restarted Redis lost the bucket (no persistence): a new one, charged what the outage drew.
      assertThat(ledger.spent("t")).isEqualTo(5_000_000 + 1 + 1_000_000);
      assertThat(ledger.balance("t", policy)).isEqualTo(100_000_000 - 5_000_000 - 1_000_001);
    }
  }

  @Test
  void closedByDefault_aCallNeedingALeaseFailsAtOnce_andAnotherTenantsLeaseStillServes() throws Exception {
    FuelPolicy policy = new FuelPolicy(100_000_000L, 0, Duration.ofSeconds(1), null, null);
    try (RedisFuelLedger ledger =
        RedisFuelLedger.builder(redis.uri()).leaseSize(1_000_000).commandTimeout(Duration.ofMillis(500)).build()) {
      assertThat(ledger.withdraw("a", policy, 10)).isEqualTo(10);
      redis.kill();
      long start = System.nanoTime();
      assertThatThrownBy(() -> ledger.withdraw("b", policy, 10))
          .isInstanceOf(RedisLedgerException.class)
          .hasMessageContaining("could not take a lease of 1000010 units of fuel for tenant 'b'");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no waiting on a dead server").isLessThan(Duration.ofSeconds(2));
      assertThat(ledger.withdraw("a", policy, 500_000)).as("a's lease").isEqualTo(500_000);
      assertThat(ledger.outageGranted()).isZero();
    }
  }
}
