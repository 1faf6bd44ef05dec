package dev.terrarium.benchmarks;

import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;

/**
 * Compiling a module that nothing has compiled before.
 *
 * <ul>
 *   <li>{@code raw}: Endive's {@code Parser.parse} (which validates), then {@code MachineFactoryCompiler} to JVM
 *       bytecode with the silent interpreter fallback.
 *   <li>{@code terrarium}: {@code PluginHost.load} on a host whose cache is empty (a new host for every
 *       invocation, created and closed outside the measurement): SHA-256, cache miss, parse, module description,
 *       manifest, capability check, the same compilation, cache insertion. The tear-down checks that exactly one
 *       compilation happened.
 * </ul>
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar CompileColdBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class CompileColdBenchmark {
  @Param({Setups.ADD, Setups.SIZER})
  public String module;

  private byte[] bytes;

  @Setup(Level.Trial)
  public void setUp() {
    bytes = Setups.bytes(module);
  }

  /** A new, empty host for each invocation of {@link #terrarium}. */
  @State(Scope.Thread)
  public static class EmptyHost {
    PluginHost host;

    @Setup(Level.Invocation)
    public void create() {
      host = Setups.terrariumHost().build();
    }

    @TearDown(Level.Invocation)
    public void close() {
      long compilations = host.cacheStats().compilations();
      host.close();
      Setups.expect(compilations == 1, "a cold load compiled " + compilations + " times instead of once");
    }
  }

  @Benchmark
  public Function<Instance, Machine> raw() {
    return Setups.rawCompile(bytes);
  }

  @Benchmark
  public Plugin terrarium(EmptyHost empty) {
    return Setups.load(empty.host, bytes, module);
  }
}
