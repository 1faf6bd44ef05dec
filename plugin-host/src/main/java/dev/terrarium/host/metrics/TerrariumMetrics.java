package dev.terrarium.host.metrics;

import dev.terrarium.host.internal.HostMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Terrarium's meters, as a Micrometer {@link MeterBinder}: give it to a host ({@code
 * PluginHost.builder().metrics(metrics)}), and bind it to one or more registries, before or after the host is built
 * (a framework that binds every {@code MeterBinder} it finds does it for you). {@code
 * PluginHost.builder().meterRegistry(registry)} does both at once.
 *
 * <ul>
 *   <li>{@code terrarium.calls} (function timer; tags {@code plugin}, {@code function}, {@code outcome} = {@code
 *       success} or the {@link dev.terrarium.api.ErrorCode}): calls of exported functions made by the
 *       application or a typed proxy. Every call is counted; one in {@link Builder#timeEvery} is timed, and the
 *       total time is estimated from those (reading the clock costs more than the rest of the recording).
 *   <li>{@code terrarium.instances.live} (gauge) and {@code terrarium.instances.created} (function counter); tag
 *       {@code plugin}.
 *   <li>{@code terrarium.compilations} (timer; tags {@code plugin}, {@code outcome} = {@code success} or {@code
 *       failure}, {@code background}): compiles of modules to JVM bytecode.
 *   <li>The module cache: Micrometer's Caffeine meters ({@code cache.gets}, {@code cache.size}, ... with tag {@code
 *       cache=terrarium.modules}, or {@code terrarium.modules.N} for a host's own cache), and {@code
 *       terrarium.modules.disk.hits} and {@code terrarium.modules.disk.writes} (function counters, tag {@code
 *       cache}) for its directory.
 *   <li>Fuel: {@code terrarium.fuel.used} (distribution summary, tags {@code tenant}, {@code plugin}: the fuel of
 *       each of the application's metered calls), {@code terrarium.fuel.marshalling} (counter: the fuel of the
 *       {@code alloc} and {@code dealloc} calls typed proxies make to pass values), {@code terrarium.fuel.exhausted}
 *       (counter), {@code terrarium.tenant.fuel.balance} (gauge) and {@code terrarium.tenant.fuel.used} (function
 *       counter; tag {@code tenant}).
 * </ul>
 *
 * <p>Tag values are bounded: at most {@link Builder#maxPlugins} plugin ids and {@link Builder#maxFunctions}
 * function names per plugin get their own; the rest share {@code other}. A host given no metrics records nothing.
 */
public final class TerrariumMetrics implements MeterBinder {
  /** Calls timed by default: one in 16. */
  public static final int DEFAULT_TIME_EVERY = 16;
  /** Plugin ids that get a tag value of their own, by default. */
  public static final int DEFAULT_MAX_PLUGINS = 200;
  /** Function names per plugin that get a tag value of their own, by default. */
  public static final int DEFAULT_MAX_FUNCTIONS = 100;

  static {
    HostMetrics.Bridge.register(m -> ((TerrariumMetrics) m).meters);
  }

  private final HostMeters meters;

  private TerrariumMetrics(Builder b) {
    this.meters = new HostMeters(b.timeEvery, b.maxPlugins, b.maxFunctions);
  }

  /** Returns metrics with the defaults. */
  public static TerrariumMetrics create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Publishes every meter, those of hosts built before and after, to {@code registry}. Binding the same registry
   * twice changes nothing.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    meters.bindTo(Objects.requireNonNull(registry, "registry"));
  }

  /** Builds {@link TerrariumMetrics}; each setter names a bad value. */
  public static final class Builder {
    private int timeEvery = DEFAULT_TIME_EVERY;
    private int maxPlugins = DEFAULT_MAX_PLUGINS;
    private int maxFunctions = DEFAULT_MAX_FUNCTIONS;

    private Builder() {}

    /**
     * Times one call in {@code n} of each function of each instance (the first among them), and counts every
     * call: 1 times every call, which costs two reads of the clock per call (about 60 ns on a virtual machine;
     * see docs/metrics.md). Default {@link #DEFAULT_TIME_EVERY}.
     *
     * @throws IllegalArgumentException unless {@code n} is a power of two from 1 to 1024
     */
    public Builder timeEvery(int n) {
      if (n < 1 || n > 1024 || Integer.bitCount(n) != 1) {
        throw new IllegalArgumentException("timeEvery must be a power of two from 1 to 1024, was " + n);
      }
      this.timeEvery = n;
      return this;
    }

    /**
     * Gives at most {@code n} plugin ids a tag value of their own. Default {@link #DEFAULT_MAX_PLUGINS}.
     *
     * @throws IllegalArgumentException when {@code n} is below 1
     */
    public Builder maxPlugins(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxPlugins must be at least 1, was " + n);
      }
      this.maxPlugins = n;
      return this;
    }

    /**
     * Gives at most {@code n} function names per plugin a tag value of their own. Default {@link
     * #DEFAULT_MAX_FUNCTIONS}.
     *
     * @throws IllegalArgumentException when {@code n} is below 1
     */
    public Builder maxFunctions(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxFunctions must be at least 1, was " + n);
      }
      this.maxFunctions = n;
      return this;
    }

    public TerrariumMetrics build() {
      return new TerrariumMetrics(this);
    }
  }
}
