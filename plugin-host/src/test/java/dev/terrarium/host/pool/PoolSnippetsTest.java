package dev.terrarium.host.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.PluginError;
import dev.terrarium.api.PoolExhaustedException;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.Tenant;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The code of docs/pools.md, compiled and run; examples' {@code DocSnippetsTest} checks that the page shows region
 * {@code pools} exactly. The greeting stored through a lease shows that the greeter pool served; what the page's
 * comments promise ("Hello, Ana!", {42}) is checked after it, on the same kinds of pools.
 */
class PoolSnippetsTest {
  @Test
  void snippet_poolsOfGreeters() {
    KeyValueStore store = new PooledExportsTest.SharedStore();
    byte[] greeterWasm = SamplePlugins.bytes("greeter-rust.wasm");
    byte[] addWasm = SamplePlugins.bytes("fixtures/add.wasm");

    // snippet: pools
    try (PluginHost host = PluginHost.builder().hostImports(KeyValueStore.class, store).build()) {
      Plugin plugin = host.load(greeterWasm);
      Tenant tenant = host.tenant("acme");

      // One pool per (plugin, tenant). The default policy, FRESH, gives every borrower a new instance.
      try (InstancePool pool =
          InstancePool.builder(plugin, tenant)
              .maxSize(8) // at most 8 instances, lent and idle together
              .minIdle(2) // 2 ready at all times, made in the background
              .borrowTimeout(Duration.ofMillis(500)) // then PoolExhaustedException
              .instanceOptions(() -> InstanceOptions.builder().stdout(new ByteArrayOutputStream()).build())
              .build()) {

        // A typed proxy: each method call borrows an instance, calls it, and returns it.
        Greeter greeter = pool.exports(Greeter.class);
        String hello = greeter.greet("Ana"); // "Hello, Ana!"

        // Several calls on one instance: a lease, returned at the end of the block.
        try (InstancePool.Lease lease = pool.borrow()) {
          Greeter same = lease.instance().exports(Greeter.class);
          same.store("greeting", same.greet("Bo"));
        } catch (PoolExhaustedException busy) {
          // all 8 instances stayed in use for 500 ms: shed the load
        } catch (PluginError refused) {
          // the store refused the value (store declares PluginError)
        }
        // its counts: created, destroyed, broken, failed, evicted, borrows, waits, timeouts, idle, in use
        System.out.println(pool.stats());
      }

      // Callers that may see one another's leftovers: keep instances across borrows.
      Plugin add = host.load(addWasm);
      try (InstancePool pool =
          InstancePool.builder(add, tenant).resetPolicy(ResetPolicy.REUSE).build()) {
        long[] sum = pool.call("add", 40, 2); // {42}
        int pages = pool.with(instance -> instance.memoryPages());
      }
    }
    // end snippet: pools
    assertThat(((PooledExportsTest.SharedStore) store).entries).containsEntry("greeting", "Hello, Bo!");

    try (PluginHost host = PluginHost.builder().hostImports(KeyValueStore.class, store).build();
        InstancePool greeters = InstancePool.builder(host.load(greeterWasm), host.tenant("acme")).build();
        InstancePool adders = InstancePool.builder(host.load(addWasm), host.tenant("acme"))
            .resetPolicy(ResetPolicy.REUSE).build()) {
      assertThat(greeters.exports(Greeter.class).greet("Ana")).isEqualTo("Hello, Ana!");
      assertThat(adders.call("add", 40, 2)).containsExactly(42);
      int pages = adders.with(instance -> instance.memoryPages());
      assertThat(pages).isEqualTo(1);
    }
  }
}
