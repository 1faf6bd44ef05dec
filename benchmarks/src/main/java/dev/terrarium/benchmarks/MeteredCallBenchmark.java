package dev.terrarium.benchmarks;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import java.util.List;
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
 * Metered against unmetered calls on the path an application takes (issue 11): a {@link PluginHost} built with or
 * without {@code meterFuel()}, plugins loaded from the sample plugins, instances created for a tenant whose policy
 * is {@link FuelPolicy#unlimited()}. In one run, so that the ratios compare like with like.
 *
 * <ul>
 *   <li>{@code noop}: {@code noop()} of {@code fixtures/add.wasm} through a {@link GuestFunction}.
 *   <li>{@code hostCall}: {@code callFail(1)} of {@code fixtures/host-call.wasm}, which calls the host function
 *       {@code host.fail} once.
 *   <li>{@code echo1k}: {@code Greeter.echo} of a 1 KiB string on {@code greeter-c.wasm} through the typed proxy
 *       (alloc, copy in, call, copy out, dealloc: four metered guest calls).
 * </ul>
 *
 * <p>{@code metering}: {@code unmetered}, {@code exact} ({@code meterFuel()}, the default accounting) and {@code fast}
 * ({@code CostModel.Accounting.FAST}).
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MeteredCallBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MeteredCallBenchmark {
  @Param({"unmetered", "exact", "fast"})
  public String metering;

  private final String text = "x".repeat(1024);

  private PluginHost host;
  private Tenant tenant;
  private PluginInstance add;
  private PluginInstance hostCall;
  private PluginInstance greeterInstance;
  private GuestFunction noop;
  private GuestFunction callFail;
  private Greeter greeter;

  /** A host for {@code metering}: unmetered, or metered with the default or the FAST accounting. */
  static PluginHost.Builder meteredHost(PluginHost.Builder builder, String metering) {
    return switch (metering) {
      case "unmetered" -> builder;
      case "exact" -> builder.meterFuel();
      case "fast" -> builder.meterFuel(CostModel.builder().accounting(CostModel.Accounting.FAST).build());
      default -> throw new IllegalArgumentException("unknown metering " + metering);
    };
  }

  @Setup(Level.Trial)
  public void setUp() {
    host = meteredHost(Setups.terrariumHost().hostImports(KeyValueStore.class, new Setups.EmptyStore()), metering).build();
    Setups.expect(host.metersFuel() == !metering.equals("unmetered"), "metering is not " + metering);
    tenant = host.tenant("bench", FuelPolicy.unlimited());
    add = Setups.load(host, Setups.bytes(Setups.ADD), Setups.ADD).instantiate(tenant, InstanceOptions.defaults());
    hostCall =
        Setups.load(host, Setups.bytes(Setups.HOST_CALL), Setups.HOST_CALL)
            .instantiate(tenant, InstanceOptions.defaults());
    greeterInstance = host.load(Setups.bytes("greeter-c.wasm")).instantiate(tenant, InstanceOptions.defaults());
    noop = add.function("noop");
    callFail = hostCall.function("callFail");
    greeter = greeterInstance.exports(Greeter.class);

    noop();
    Setups.expect(hostCall()[0] == 2, "callFail(1) is not 2");
    Setups.expect(echo1k().equals(text), "echo does not echo");
    Setups.expect(greetShort().equals("Hello, Ana!"), "greet does not greet");
    if (host.metersFuel()) {
      Setups.expect(hostCall.lastCallFuel() > 0, "the host call was not charged");
      Setups.expect(tenant.used() > 0, "the tenant was not charged");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    add.close();
    hostCall.close();
    greeterInstance.close();
    host.close();
  }

  @Benchmark
  public long[] noop() {
    return noop.call();
  }

  @Benchmark
  public long[] hostCall() {
    return callFail.call(1);
  }

  @Benchmark
  public String echo1k() {
    return greeter.echo(text);
  }

  /**
   * A typed call with a short string each way ({@code greet("Ana")}): its binding's {@code alloc} and {@code
   * dealloc} calls weigh more here than in the 1 KiB echo.
   */
  @Benchmark
  public String greetShort() {
    return greeter.greet("Ana");
  }

  /**
   * The typed 1 KiB echo metered and unmetered in one JVM, call by call (as {@code
   * MeteredKernelBenchmark.Interleaved}): secondary results {@code unmeteredNanos} and {@code meteredNanos}, summed
   * per iteration. Each side also pays one clock read, about 30 ns on this VM, so the ratio slightly understates.
   *
   * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MeteredCallBenchmark.Interleaved}
   */
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Warmup(iterations = 10, time = 1)
  @Measurement(iterations = 5, time = 1)
  @Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
  @State(Scope.Thread)
  public static class Interleaved {
    @Param({"exact", "fast"})
    public String metering;

    /**
     * The guest: the same {@code Greeter} interface in C (wasi-libc's dlmalloc), Rust and AssemblyScript, whose
     * allocators differ most in how much branching code each echo runs.
     */
    @Param({"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
    public String plugin;

    private final String text = "x".repeat(1024);
    private HostPair hosts;
    private Greeter plain;
    private Greeter metered;

    @Setup(Level.Trial)
    public void setUp() {
      hosts =
          new HostPair(
              Setups.terrariumHost().hostImports(KeyValueStore.class, new Setups.EmptyStore()),
              meteredHost(Setups.terrariumHost().hostImports(KeyValueStore.class, new Setups.EmptyStore()), metering),
              Setups.bytes(plugin));
      plain = hosts.plain.exports(Greeter.class);
      metered = hosts.metered.exports(Greeter.class);
      Setups.expect(plain.echo(text).equals(text) && metered.echo(text).equals(text), "echo does not echo");
      Setups.expect(hosts.metered.lastCallFuel() > 0, "the echo was not charged");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      hosts.close();
    }

    /** One echo on each side; the primary score is the pair's time. */
    @Benchmark
    public int pair(PairTimes t) {
      long a = System.nanoTime();
      String u = plain.echo(text);
      long b = System.nanoTime();
      String m = metered.echo(text);
      t.add(a, b, System.nanoTime());
      return u.length() + m.length();
    }
  }
}
