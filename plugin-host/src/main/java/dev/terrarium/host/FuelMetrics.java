package dev.terrarium.host;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.host.engine.FuelListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fuel meters a host publishes to Micrometer:
 *
 * <ul>
 *   <li>{@code terrarium.fuel.used} (distribution summary, base unit {@code fuel}; tags {@code tenant},
 *       {@code plugin}): the fuel each metered call was charged;
 *   <li>{@code terrarium.fuel.exhausted} (counter; tags {@code tenant}, {@code plugin}): calls stopped because
 *       fuel ran out;
 *   <li>{@code terrarium.tenant.fuel.balance} (gauge; tag {@code tenant}): what the tenant may still draw now;
 *   <li>{@code terrarium.tenant.fuel.used} (function counter; tag {@code tenant}): all the fuel it was charged.
 * </ul>
 */
final class FuelMetrics {
  private final MeterRegistry registry;
  private final Map<String, Meters> byTenantAndPlugin = new ConcurrentHashMap<>();

  private record Meters(DistributionSummary used, Counter exhausted) {}

  FuelMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Registers the tenant's balance and total. */
  void tenant(Tenant tenant) {
    Gauge.builder("terrarium.tenant.fuel.balance", tenant, Tenant::balance)
        .description("fuel the tenant may still draw now")
        .baseUnit("fuel")
        .tag("tenant", tenant.id())
        .register(registry);
    FunctionCounter.builder("terrarium.tenant.fuel.used", tenant, Tenant::used)
        .description("fuel the tenant's calls were charged")
        .baseUnit("fuel")
        .tag("tenant", tenant.id())
        .register(registry);
  }

  /** The listener that records the calls of one plugin's instance for one tenant. */
  FuelListener listener(Tenant tenant, String pluginId) {
    Meters m =
        byTenantAndPlugin.computeIfAbsent(
            tenant.id() + "\0" + pluginId,
            k ->
                new Meters(
                    DistributionSummary.builder("terrarium.fuel.used")
                        .description("fuel charged per metered call")
                        .baseUnit("fuel")
                        .tags("tenant", tenant.id(), "plugin", pluginId)
                        .register(registry),
                    Counter.builder("terrarium.fuel.exhausted")
                        .description("calls stopped because fuel ran out")
                        .tags("tenant", tenant.id(), "plugin", pluginId)
                        .register(registry)));
    return (fuel, failure) -> {
      m.used().record(fuel);
      if (failure instanceof FuelExhaustedException) {
        m.exhausted().increment();
      }
    };
  }
}
