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
import run.endive.runtime.Instance;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;

/**
 * A guest-to-host call: {@code callFail(1)} of {@code fixtures/host-call.wasm}, whose body calls the imported
 * {@code host.fail}, a host function that returns its argument plus one. One measured operation is the export
 * call plus the host call it makes.
 *
 * <ul>
 *   <li>{@code raw}: {@code ExportFunction.apply(1)} with {@code host.fail} as a plain Endive {@code HostFunction}.
 *   <li>{@code terrarium}: {@code GuestFunction.call(1)} with {@code host.fail} registered on the
 *       {@code PluginHost} (Terrarium's adapter: a {@code HostCallContext}, exception wrapping, result-count
 *       check).
 *   <li>{@code terrariumWithTimeout}: the same with a 10 s call timeout, which never fires.
 * </ul>
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar HostCallBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class HostCallBenchmark {
  private ExportFunction rawCallFail;

  private PluginHost host;
  private PluginInstance instance;
  private GuestFunction callFail;

  private PluginHost timedHost;
  private PluginInstance timedInstance;
  private GuestFunction timedCallFail;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] bytes = Setups.bytes(Setups.HOST_CALL);
    WasmModule parsed = Parser.parse(bytes);
    Instance raw = Setups.rawInstance(parsed, Setups.rawCompile(parsed, null), Setups.rawHostImports());
    rawCallFail = raw.export("callFail");

    host = Setups.terrariumHost().build();
    instance = Setups.load(host, bytes, Setups.HOST_CALL).instantiate();
    callFail = instance.function("callFail");

    timedHost = Setups.terrariumHost().limits(Setups.limitsWithCallTimeout()).build();
    timedInstance = Setups.load(timedHost, bytes, Setups.HOST_CALL).instantiate();
    Setups.expect(
        Setups.CALL_TIMEOUT.equals(timedInstance.plugin().limits().callTimeout()), "the call timeout is not set");
    timedCallFail = timedInstance.function("callFail");

    Setups.expect(raw(), 2);
    Setups.expect(terrarium(), 2);
    Setups.expect(terrariumWithTimeout(), 2);
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
    return rawCallFail.apply(1);
  }

  @Benchmark
  public long[] terrarium() {
    return callFail.call(1);
  }

  @Benchmark
  public long[] terrariumWithTimeout() {
    return timedCallFail.call(1);
  }
}
