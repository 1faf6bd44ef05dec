package dev.terrarium.benchmarks;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import java.util.Arrays;
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
 * The compute kernels of {@code kernels.wasm} (see {@link MeteringBenchmark} for what each computes) metered
 * against unmetered on the path an application takes (issue 11): {@code PluginHost} with or without {@code
 * meterFuel()}, an instance for a tenant with {@link FuelPolicy#unlimited()}, the default slice size, and the
 * ledger in the loop. {@link MeteringBenchmark} measures the rewritten module on raw Endive with a 100-million
 * slice: a lower bound on what metering costs, not what users see.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MeteredKernelBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MeteredKernelBenchmark {
  @Param({"sha256_1mib", "sieve", "matmul", "fib", "quicksort"})
  public String kernel;

  @Param({"unmetered", "exact", "fast"})
  public String metering;

  private PluginHost host;
  private PluginInstance instance;
  private GuestFunction function;
  private long[] args;

  @Setup(Level.Trial)
  public void setUp() {
    host = MeteredCallBenchmark.meteredHost(PluginHost.builder(), metering).build();
    Tenant tenant = host.tenant("bench", FuelPolicy.unlimited());
    instance = host.load(Setups.bytes(MeteringBenchmark.KERNELS)).instantiate(tenant, InstanceOptions.defaults());
    function = instance.function(kernel);
    long[] call = MeteringBenchmark.CALLS.get(kernel);
    args = Arrays.copyOf(call, call.length - 1);
    long[] result = run();
    Setups.expect(result, call[call.length - 1]);
    if (host.metersFuel()) {
      Setups.expect(instance.lastCallFuel() > 0, kernel + " was not charged");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    instance.close();
    host.close();
  }

  @Benchmark
  public long[] run() {
    return function.call(args);
  }

  /**
   * Metered and unmetered in one JVM, call by call: each invocation times the kernel on an unmetered host and then
   * on a metered one, and JMH reports the summed nanoseconds of each per iteration (secondary results
   * {@code unmeteredNanos} and {@code meteredNanos}). On a shared machine whose speed drifts by 1.5× from minute to
   * minute, separate forks compare machine moments as much as code; here both sides see the same moment. This is
   * the figure to compare with issue 11's targets.
   *
   * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MeteredKernelBenchmark.Interleaved}
   */
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 5, time = 1)
  @Measurement(iterations = 5, time = 1)
  @Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
  @State(Scope.Thread)
  public static class Interleaved {
    @Param({"sha256_1mib", "sieve", "matmul", "fib", "quicksort"})
    public String kernel;

    @Param({"exact", "fast"})
    public String metering;

    private HostPair hosts;
    private GuestFunction plain;
    private GuestFunction metered;
    private long[] args;

    @Setup(Level.Trial)
    public void setUp() {
      hosts =
          new HostPair(
              PluginHost.builder(),
              MeteredCallBenchmark.meteredHost(PluginHost.builder(), metering),
              Setups.bytes(MeteringBenchmark.KERNELS));
      plain = hosts.plain.function(kernel);
      metered = hosts.metered.function(kernel);
      long[] call = MeteringBenchmark.CALLS.get(kernel);
      args = Arrays.copyOf(call, call.length - 1);
      Setups.expect(plain.call(args), call[call.length - 1]);
      Setups.expect(metered.call(args), call[call.length - 1]);
      Setups.expect(hosts.metered.lastCallFuel() > 0, kernel + " was not charged");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      hosts.close();
    }

    /** One call on each side; the primary score is the pair's time. */
    @Benchmark
    public long pair(PairTimes t) {
      long a = System.nanoTime();
      long u = plain.call(args)[0];
      long b = System.nanoTime();
      long m = metered.call(args)[0];
      t.add(a, b, System.nanoTime());
      return u + m;
    }
  }
}
