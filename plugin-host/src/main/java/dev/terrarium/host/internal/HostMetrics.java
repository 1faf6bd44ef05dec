package dev.terrarium.host.internal;

import dev.terrarium.host.CacheStats;
import dev.terrarium.host.CompileListener;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.engine.CallObserver;
import dev.terrarium.host.engine.FuelListener;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a host records its metrics through (implemented behind {@code dev.terrarium.host.metrics.TerrariumMetrics}).
 * A host without metrics has none, and records nothing.
 */
public interface HostMetrics {
  /** Returns the observers of plugin {@code pluginId}'s exported functions, by name. */
  Function<String, CallObserver> calls(String pluginId);

  /** Returns the counter of plugin {@code pluginId}'s instances. */
  Instances instances(String pluginId);

  /** Returns the listener that times compiles. */
  CompileListener compiles();

  /** Publishes a module cache's meters: its Caffeine statistics and its own. */
  void cache(String name, com.github.benmanes.caffeine.cache.Cache<?, ?> caffeine, Supplier<CacheStats> stats);

  /** Publishes a tenant's fuel balance and total. */
  void tenant(Tenant tenant);

  /** Returns the listener that records the fuel of plugin {@code pluginId}'s calls for {@code tenant}. */
  FuelListener fuel(Tenant tenant, String pluginId);

  /** Counts one plugin's instances. */
  interface Instances {
    void created();

    void closed();
  }

  /** Returns the recorder behind {@code metrics} (a {@code TerrariumMetrics}). */
  static HostMetrics of(Object metrics) {
    return Bridge.unwrap(metrics);
  }

  /** How the public {@code TerrariumMetrics} hands its recorder to the host without a public accessor. */
  final class Bridge {
    private static volatile Function<Object, HostMetrics> unwrap;

    private Bridge() {}

    /** Called once, by {@code TerrariumMetrics}'s initializer. */
    public static void register(Function<Object, HostMetrics> unwrapper) {
      if (unwrap != null) {
        throw new IllegalStateException("the metrics bridge is already registered");
      }
      unwrap = unwrapper;
    }

    static HostMetrics unwrap(Object metrics) {
      // An instance exists, so its class was initialized and registered the bridge.
      return unwrap.apply(metrics);
    }
  }
}
