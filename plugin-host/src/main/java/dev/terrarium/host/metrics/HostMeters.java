package dev.terrarium.host.metrics;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.PluginException;
import dev.terrarium.host.CacheStats;
import dev.terrarium.host.CompileEvent;
import dev.terrarium.host.CompileListener;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.engine.CallObserver;
import dev.terrarium.host.engine.ExportCall;
import dev.terrarium.host.engine.FuelListener;
import dev.terrarium.host.internal.HostMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The recorder behind {@link TerrariumMetrics}: meters registered once on a composite registry, to which bound
 * registries are added. The hot path (a call) touches only its own adders; Micrometer reads them when it
 * publishes.
 */
final class HostMeters implements HostMetrics {
  /** The tag value shared by plugins and functions past the bounds. */
  static final String OTHER = "other";

  private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
  private final int timeEvery;
  private final int maxPlugins;
  private final int maxFunctions;
  private final Bounded<PluginMeters> plugins;
  private final ConcurrentMap<String, FuelMeters> fuel = new ConcurrentHashMap<>();
  /** The caches published, with what their function counters read (Micrometer holds it weakly). */
  private final ConcurrentMap<String, Supplier<CacheStats>> caches = new ConcurrentHashMap<>();
  private final CompileListener compiles = this::compiled;

  HostMeters(int timeEvery, int maxPlugins, int maxFunctions) {
    this.timeEvery = timeEvery;
    this.maxPlugins = maxPlugins;
    this.maxFunctions = maxFunctions;
    this.plugins = new Bounded<>(maxPlugins, PluginMeters::new);
  }

  /**
   * Values by name, at most {@code max} of them with a value (and tag) of their own; the names past that share the
   * value of {@link #OTHER}. A name past the bound is remembered as one of the others (the map grows, the tag values
   * do not).
   */
  private static final class Bounded<T> {
    private final ConcurrentMap<String, T> byName = new ConcurrentHashMap<>();
    private final int max;
    private final java.util.function.Function<String, T> make;
    /** Names with a value of their own (guarded by this object). */
    private int own;

    Bounded(int max, java.util.function.Function<String, T> make) {
      this.max = max;
      this.make = make;
    }

    T get(String name) {
      T t = byName.get(name);
      return t != null ? t : add(name);
    }

    private synchronized T add(String name) {
      T t = byName.get(name);
      if (t == null) {
        if (own < max) {
          own++;
          t = make.apply(name);
        } else {
          t = byName.computeIfAbsent(OTHER, make);
        }
        byName.put(name, t);
      }
      return t;
    }
  }

  synchronized void bindTo(MeterRegistry child) {
    if (!registry.getRegistries().contains(child)) {
      registry.add(child);
    }
  }

  /** The meters of plugin {@code pluginId}, or of {@link #OTHER} once {@link #maxPlugins} ids have their own. */
  private PluginMeters plugin(String pluginId) {
    return plugins.get(pluginId);
  }

  /** The tag value of a plugin id. */
  private String pluginTag(String pluginId) {
    return plugin(pluginId).tag;
  }

  @Override
  public Function<String, CallObserver> calls(String pluginId) {
    return plugin(pluginId)::function;
  }

  @Override
  public Instances instances(String pluginId) {
    return plugin(pluginId);
  }

  @Override
  public CompileListener compiles() {
    return compiles;
  }

  private void compiled(CompileEvent e) {
    if (e.kind() != CompileEvent.Kind.FINISHED && e.kind() != CompileEvent.Kind.FAILED) {
      return;
    }
    Timer.builder("terrarium.compilations")
        .description("compiles of modules to JVM bytecode")
        .tags(
            "plugin", pluginTag(e.pluginId()),
            "outcome", e.kind() == CompileEvent.Kind.FINISHED ? "success" : "failure",
            "background", Boolean.toString(e.background()))
        .register(registry)
        .record(e.elapsed());
  }

  @Override
  public void cache(
      String name, com.github.benmanes.caffeine.cache.Cache<?, ?> caffeine, Supplier<CacheStats> stats) {
    if (caches.putIfAbsent(name, stats) != null) {
      return;
    }
    CaffeineCacheMetrics.monitor(registry, caffeine, name);
    FunctionCounter.builder("terrarium.modules.disk.hits", stats, s -> s.get().diskHits())
        .description("compiled modules read from the cache's directory")
        .tag("cache", name)
        .register(registry);
    FunctionCounter.builder("terrarium.modules.disk.writes", stats, s -> s.get().diskWrites())
        .description("compiled modules written to the cache's directory")
        .tag("cache", name)
        .register(registry);
  }

  @Override
  public void tenant(Tenant tenant) {
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

  @Override
  public FuelListener fuel(Tenant tenant, String pluginId) {
    String plugin = pluginTag(pluginId);
    FuelMeters m = fuel.computeIfAbsent(tenant.id() + "\0" + plugin, k -> new FuelMeters(tenant.id(), plugin));
    return m::settled;
  }

  /** The fuel meters of one tenant and plugin. */
  private final class FuelMeters {
    final DistributionSummary used;
    final Counter marshalling;
    final Counter exhausted;

    FuelMeters(String tenant, String plugin) {
      this.used =
          DistributionSummary.builder("terrarium.fuel.used")
              .description("fuel charged per metered call of the application's")
              .baseUnit("fuel")
              .tags("tenant", tenant, "plugin", plugin)
              .register(registry);
      this.marshalling =
          Counter.builder("terrarium.fuel.marshalling")
              .description("fuel of the alloc and dealloc calls typed proxies make to pass values")
              .baseUnit("fuel")
              .tags("tenant", tenant, "plugin", plugin)
              .register(registry);
      this.exhausted =
          Counter.builder("terrarium.fuel.exhausted")
              .description("calls stopped because fuel ran out")
              .tags("tenant", tenant, "plugin", plugin)
              .register(registry);
    }

    void settled(long fuelUsed, RuntimeException failure, boolean marshallingCall) {
      if (marshallingCall) {
        marshalling.increment(fuelUsed);
      } else {
        used.record(fuelUsed);
      }
      if (failure instanceof FuelExhaustedException) {
        exhausted.increment();
      }
    }
  }

  /** One plugin's meters: its instances, and its functions' calls. */
  private final class PluginMeters implements Instances {
    final String tag;
    final AtomicLong live = new AtomicLong();
    final LongAdder created = new LongAdder();
    final Bounded<FunctionCalls> functions = new Bounded<>(maxFunctions, FunctionCalls::new);

    PluginMeters(String tag) {
      this.tag = tag;
      Gauge.builder("terrarium.instances.live", live, AtomicLong::get)
          .description("instances open now")
          .tag("plugin", tag)
          .register(registry);
      FunctionCounter.builder("terrarium.instances.created", created, LongAdder::sum)
          .description("instances created")
          .tag("plugin", tag)
          .register(registry);
    }

    @Override
    public void created() {
      created.increment();
      live.incrementAndGet();
    }

    @Override
    public void closed() {
      live.decrementAndGet();
    }

    FunctionCalls function(String name) {
      return functions.get(name);
    }

    /** The calls of one function, by outcome. */
    private final class FunctionCalls implements CallObserver {
      final String function;
      /** The export calls of open instances, whose own counts are summed when metrics are read. */
      final java.util.Set<ExportCall> live = ConcurrentHashMap.newKeySet();
      /** The successful calls of closed instances. */
      final LongAdder retiredSuccesses = new LongAdder();
      final Outcome success;
      final ConcurrentMap<String, Outcome> failures = new ConcurrentHashMap<>();

      FunctionCalls(String function) {
        this.function = function;
        this.success = new Outcome(tag, function, "success", this::successes);
      }

      long successes() {
        long n = retiredSuccesses.sum();
        for (ExportCall c : live) {
          n += c.calls() - c.failures();
        }
        return n;
      }

      @Override
      public int timingInterval() {
        return timeEvery;
      }

      @Override
      public void register(ExportCall call) {
        live.add(call);
      }

      @Override
      public void retire(ExportCall call) {
        if (live.remove(call)) {
          retiredSuccesses.add(call.calls() - call.failures());
        }
      }

      @Override
      public void succeeded(long nanos) {
        success.timed(nanos);
      }

      @Override
      public void failed(RuntimeException failure) {
        failure(failure).count.increment();
      }

      @Override
      public void failed(RuntimeException failure, long nanos) {
        Outcome o = failure(failure);
        o.count.increment();
        o.timed(nanos);
      }

      private Outcome failure(RuntimeException failure) {
        String outcome = failure instanceof PluginException p ? p.code().name() : "UNEXPECTED";
        return failures.computeIfAbsent(outcome, o -> new Outcome(tag, function, o, null));
      }
    }
  }

  /**
   * The calls of one function with one outcome: all counted (by the export calls themselves for successes), some
   * timed. Micrometer reads the count and a total time estimated from the timed ones.
   */
  private final class Outcome {
    /** The count of failed calls; unused for successes, which {@link #counted} reads from the export calls. */
    final LongAdder count = new LongAdder();
    final java.util.function.LongSupplier counted;
    final LongAdder timed = new LongAdder();
    final LongAdder nanos = new LongAdder();

    Outcome(String plugin, String function, String outcome, java.util.function.LongSupplier counted) {
      this.counted = counted != null ? counted : count::sum;
      FunctionTimer.builder(
              "terrarium.calls", this, Outcome::count, Outcome::estimatedNanos, TimeUnit.NANOSECONDS)
          .description("calls of exported functions (every call counted, one in " + timeEvery + " timed)")
          .tags("plugin", plugin, "function", function, "outcome", outcome)
          .register(registry);
    }

    long count() {
      return counted.getAsLong();
    }

    void timed(long elapsed) {
      timed.increment();
      nanos.add(elapsed);
    }

    double estimatedNanos() {
      long t = timed.sum();
      return t == 0 ? 0 : (double) nanos.sum() * count() / t;
    }
  }
}
