package dev.terrarium.benchmarks;

import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.pool.InstancePool;
import dev.terrarium.host.pool.ResetPolicy;
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
 * What an instance pool adds to a call: {@code noop()} of {@code fixtures/add.wasm} on an instance the caller
 * holds, against borrowing an instance from a warm pool, calling it and returning it.
 *
 * <ul>
 *   <li>{@code held}: {@code instance.call("noop")} on an instance the benchmark holds.
 *   <li>{@code poolCall}: {@code pool.call("noop")}: borrow, call, return.
 *   <li>{@code poolWith}: {@code pool.with(i -> i.call("noop"))}.
 *   <li>{@code poolLease}: {@code try (var lease = pool.borrow()) { lease.instance().call("noop"); }} (allocates
 *       the lease).
 * </ul>
 *
 * <p>{@code pool}: {@code REUSE} (instances kept across borrows: the pool's own cost), {@code FRESH} (the default:
 * every borrow instantiates on the borrower's thread and every return closes the instance) and {@code
 * FRESH_MIN_IDLE_4} (FRESH with four instances kept ready by the shared background thread; a borrower that
 * outruns it instantiates on its own thread). The pool holds at most 8 instances.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar PoolBenchmark}; with contention: add {@code
 * -t 4}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class PoolBenchmark {
  @Param({"REUSE", "FRESH", "FRESH_MIN_IDLE_4"})
  public String pool;

  private PluginHost host;
  private PluginInstance held;
  private InstancePool instances;

  @Setup(Level.Trial)
  public void setUp() {
    host = Setups.terrariumHost().build();
    var plugin = Setups.load(host, Setups.bytes(Setups.ADD), Setups.ADD);
    held = plugin.instantiate();
    InstancePool.Builder b = InstancePool.builder(plugin, host.tenant("bench")).maxSize(8);
    switch (pool) {
      case "REUSE" -> b.resetPolicy(ResetPolicy.REUSE).minIdle(1);
      case "FRESH" -> b.resetPolicy(ResetPolicy.FRESH);
      case "FRESH_MIN_IDLE_4" -> b.resetPolicy(ResetPolicy.FRESH).minIdle(4);
      default -> throw new IllegalArgumentException("unknown pool variant " + pool);
    }
    instances = b.build();
    Setups.expect(held(), new long[0]);
    Setups.expect(poolCall(), new long[0]);
    Setups.expect(poolWith(), new long[0]);
    Setups.expect(poolLease(), new long[0]);
    Setups.expect(instances.stats().inUse() == 0, "the pool lent instances that were not returned");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    instances.close();
    held.close();
    host.close();
  }

  @Benchmark
  public long[] held() {
    return held.call("noop");
  }

  @Benchmark
  public long[] poolCall() {
    return instances.call("noop");
  }

  @Benchmark
  public long[] poolWith() {
    return instances.with(i -> i.call("noop"));
  }

  @Benchmark
  public long[] poolLease() {
    try (InstancePool.Lease lease = instances.borrow()) {
      return lease.instance().call("noop");
    }
  }
}
