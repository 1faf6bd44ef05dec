package dev.terrarium.benchmarks;

import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
import org.openjdk.jmh.annotations.Warmup;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;

/**
 * The load-time cost of fuel metering (issue 4): {@code FuelRewriter.rewrite} with the default cost model
 * ({@code rewrite}) against what loading costs anyway, Endive's parse and compile of the unmetered module
 * ({@code compile}, as {@code CompileColdBenchmark.raw}), and the parse and compile of the metered module
 * ({@code compileMetered}). The set-up prints the module sizes, unmetered and metered ({@link #sizes}).
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MeteringRewriteBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MeteringRewriteBenchmark {
  @Param({MeteringBenchmark.KERNELS, Setups.SIZER})
  public String module;

  private byte[] bytes;
  private byte[] metered;

  @Setup(Level.Trial)
  public void setUp() {
    bytes = Setups.bytes(module);
    metered = FuelRewriter.rewrite(bytes, CostModel.defaults());
    Setups.expect(java.util.Arrays.equals(rewrite(), metered), "the rewriter is not deterministic");
    long[] s = sizes(module);
    System.out.printf(
        "%n%s: %d bytes unmetered, %d bytes metered (ratio %.3f)%n", module, s[0], s[1], (double) s[1] / s[0]);
  }

  /** {@code [unmetered size, metered size]} of {@code module}, in bytes. */
  static long[] sizes(String module) {
    byte[] b = Setups.bytes(module);
    return new long[] {b.length, FuelRewriter.rewrite(b, CostModel.defaults()).length};
  }

  @Benchmark
  public byte[] rewrite() {
    return FuelRewriter.rewrite(bytes, CostModel.defaults());
  }

  @Benchmark
  public Function<Instance, Machine> compile() {
    return Setups.rawCompile(bytes);
  }

  @Benchmark
  public Function<Instance, Machine> compileMetered() {
    return Setups.rawCompile(metered);
  }
}
