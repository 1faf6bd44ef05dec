package dev.terrarium.benchmarks;

import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import run.endive.runtime.ExportFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;

/**
 * Calling an exported function that does nothing ({@code noop()} of {@code fixtures/add.wasm}), looked up once.
 *
 * <ul>
 *   <li>{@code raw}: {@code ExportFunction.apply()} on an Endive instance of the compiled module.
 *   <li>{@code terrarium}: {@code GuestFunction.call()} on a plugin instance with the default limits (no call
 *       timeout, the caller's stack).
 *   <li>{@code terrariumWithTimeout}: the same with a 10 s call timeout, which never fires: the cost of the
 *       watchdog's guard around each call.
 * </ul>
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar ExportCallBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class ExportCallBenchmark {
  private ExportFunction rawNoop;

  private PluginHost host;
  private PluginInstance instance;
  private GuestFunction noop;

  private PluginHost timedHost;
  private PluginInstance timedInstance;
  private GuestFunction timedNoop;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] bytes = Setups.bytes(Setups.ADD);
    WasmModule parsed = Parser.parse(bytes);
    Instance raw = Setups.rawInstance(parsed, Setups.rawCompile(parsed, null), ImportValues.builder().build());
    rawNoop = raw.export("noop");

    host = Setups.terrariumHost().build();
    instance = Setups.load(host, bytes, Setups.ADD).instantiate();
    noop = instance.function("noop");

    timedHost = Setups.terrariumHost().limits(Setups.limitsWithCallTimeout()).build();
    timedInstance = Setups.load(timedHost, bytes, Setups.ADD).instantiate();
    Setups.expect(
        Setups.CALL_TIMEOUT.equals(timedInstance.plugin().limits().callTimeout()), "the call timeout is not set");
    timedNoop = timedInstance.function("noop");

    raw();
    terrarium();
    terrariumWithTimeout();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    instance.close();
    timedInstance.close();
    host.close();
    timedHost.close();
  }

  @Benchmark
  public long[] raw() {
    return rawNoop.apply();
  }

  @Benchmark
  public long[] terrarium() {
    return noop.call();
  }

  @Benchmark
  public long[] terrariumWithTimeout() {
    return timedNoop.call();
  }
}
