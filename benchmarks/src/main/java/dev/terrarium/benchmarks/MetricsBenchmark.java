package dev.terrarium.benchmarks;

import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.metrics.TerrariumMetrics;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metrics cost a call (issue 14: at most +20 ns per call with a registry bound), on the same calls with and
 * without them:
 *
 * <ul>
 *   <li>{@code metrics=none}: a host given no metrics (nothing is recorded, not even on the path of a call);
 *   <li>{@code metrics=sampled}: {@code TerrariumMetrics} with the defaults (every call counted, one in 16 timed),
 *       bound to a {@code SimpleMeterRegistry};
 *   <li>{@code metrics=every}: the same timing every call ({@code timeEvery(1)}: two reads of the clock per call).
 * </ul>
 *
 * <p>{@code noop}: {@code GuestFunction.call()} of {@code fixtures/add.wasm}'s {@code noop}; {@code echo1k}: a
 * typed call of greeter-c's {@code echo} with 1 KiB (its {@code alloc} and {@code dealloc} are not counted).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MetricsBenchmark -f 3 -wi 10 -i 5 -w 1 -r 1} (the
 * recording path takes several seconds of warm-up to settle: fewer warm-up iterations show its slower first phase)
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MetricsBenchmark {
  @Param({"none", "sampled", "every"})
  public String metrics;

  private final String text = "x".repeat(1024);
  private PluginHost host;
  private PluginInstance add;
  private GuestFunction noop;
  private PluginInstance greeterInstance;
  private Greeter greeter;

  @Setup(Level.Trial)
  public void setUp() {
    PluginHost.Builder b = Setups.terrariumHost().hostImports(KeyValueStore.class, new Setups.EmptyStore());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    switch (metrics) {
      case "none" -> {}
      case "sampled" -> b.metrics(TerrariumMetrics.create()).meterRegistry(registry);
      case "every" -> b.metrics(TerrariumMetrics.builder().timeEvery(1).build()).meterRegistry(registry);
      default -> throw new IllegalArgumentException("metrics=" + metrics);
    }
    host = b.build();
    add = Setups.load(host, Setups.bytes(Setups.ADD), Setups.ADD).instantiate();
    noop = add.function("noop");
    greeterInstance = host.load(Setups.bytes("greeter-c.wasm")).instantiate();
    greeter = greeterInstance.exports(Greeter.class);
    Setups.expect(echo1k().equals(text), "echo does not echo");
    noop();
    if (!metrics.equals("none")) {
      Setups.expect(
          registry.get("terrarium.calls").tags("plugin", add.plugin().id(), "function", "noop").functionTimer().count()
              == 1,
          "the noop call was not counted");
    } else {
      Setups.expect(registry.getMeters().isEmpty(), "a host without metrics recorded some");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    add.close();
    greeterInstance.close();
    host.close();
  }

  @Benchmark
  public long[] noop() {
    return noop.call();
  }

  @Benchmark
  public String echo1k() {
    return greeter.echo(text);
  }
}
