package dev.terrarium.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.samples.SamplePlugins;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of docs/quotas.md's Redis section, compiled and run against a real redis-server. */
class QuotasSnippetsTest {
  @Test
  void aHostOnTheSharedLedger(@TempDir Path dir) throws Exception {
    try (RedisServer redis = RedisServer.start(dir)) {
      String uri = redis.uri(); // "redis://redis.internal:6379" in a deployment
      long[] sum = new long[1];
      // snippet: redis
      RedisFuelLedger ledger = RedisFuelLedger.builder(uri).build();
      PluginHost host = PluginHost.builder().meterFuel().fuelLedger(ledger).build();
      Tenant acme = host.tenant("acme", FuelPolicy.per(10_000_000_000L, Duration.ofHours(1)));
      try (PluginInstance adder =
          host.load(SamplePlugins.bytes("fixtures/add.wasm")).instantiate(acme, InstanceOptions.defaults())) {
        sum = adder.call("add", 1, 2); // charged to acme's bucket in Redis, through this host's lease
      }
      host.close();
      ledger.close();      // returns this host's unused leases to Redis
      // end snippet: redis
      assertThat(sum).containsExactly(3);
      try (RedisFuelLedger reader = RedisFuelLedger.builder(uri).build()) {
        assertThat(reader.spent("acme")).isPositive().isEqualTo(acme.used());
      }
    }
  }
}
