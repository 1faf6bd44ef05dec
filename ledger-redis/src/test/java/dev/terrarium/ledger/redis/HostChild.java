package dev.terrarium.ledger.redis;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.samples.SamplePlugins;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One host of a cluster, in a JVM of its own: a metered {@link PluginHost} on a {@link RedisFuelLedger}, calling
 * {@code fib(n)} of the kernels sample plugin for one tenant whose bucket never refills. It prints {@code ready},
 * waits for the file {@code go} to exist, then prints {@code used <total> held <lease>} after every call, until
 * the tenant's fuel runs out ({@code exhausted}, then {@code total <used>} and, once everything is closed, {@code
 * closed}) or it is killed.
 *
 * <p>Arguments: redis URI, tenant, capacity, lease size, fib's n, the go file.
 */
public final class HostChild {
  private HostChild() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String tenantId = args[1];
    long capacity = Long.parseLong(args[2]);
    long leaseSize = Long.parseLong(args[3]);
    long n = Long.parseLong(args[4]);
    Path go = Path.of(args[5]);
    PrintStream out = System.out;

    FuelPolicy policy = new FuelPolicy(capacity, 0, Duration.ofSeconds(1), null, null);
    RedisFuelLedger ledger = RedisFuelLedger.builder(uri).leaseSize(leaseSize).build();
    PluginHost host = PluginHost.builder().meterFuel().fuelLedger(ledger).build();
    Tenant tenant = host.tenant(tenantId, policy);
    Plugin plugin = host.load(SamplePlugins.bytes("kernels.wasm"));
    PluginInstance instance = plugin.instantiate(tenant, InstanceOptions.defaults());
    out.println("ready");
    out.flush();
    while (!Files.exists(go)) {
      Thread.sleep(5);
    }
    long used = 0;
    while (true) {
      try {
        instance.call("fib", n);
        used += instance.lastCallFuel();
      } catch (FuelExhaustedException e) {
        used += e.used();
        if (e.reason() != FuelExhaustedException.Reason.LEDGER) {
          out.println("failed " + e.getMessage());
          out.flush();
          System.exit(2);
        }
        out.println("exhausted");
        break;
      }
      out.println("used " + used + " held " + ledger.leaseHeld(tenantId));
      out.flush();
    }
    out.println("total " + used);
    instance.close();
    host.close();
    ledger.close();
    out.println("closed");
    out.flush();
  }
}
