package dev.terrarium.benchmarks;

import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import dev.terrarium.samples.abi.Sample;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
import run.endive.runtime.HostFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.ValType;

/**
 * Typed calls through the bindings {@code abi-codegen} generated for {@link Greeter}, against the same
 * operations written by hand on raw Endive (alloc, write, call, read, dealloc), on the C greeter plugin:
 *
 * <ul>
 *   <li>{@code noop}: {@code greeter.noop()} against {@code noop.apply()};
 *   <li>{@code echo1k}: a 1 KiB ASCII string to {@code echo} and back;
 *   <li>{@code echoSample}: a record of five fields ({@code int, long, double, boolean, String}) to {@code
 *       echo_sample} and back.
 * </ul>
 *
 * <p>Warm-up is longer than elsewhere: the C guest's compiled functions take several seconds to reach C2.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar TypedCallBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class TypedCallBenchmark {
  private static final String PLUGIN = "greeter-c.wasm";
  private static final int SAMPLE_SIZE = 40;

  private final String text = "x".repeat(1024);
  private final Sample sample = new Sample(42, 1_700_000_000_000L, 0.75, true, "a label of some length");

  private PluginHost host;
  private PluginInstance instance;
  private Greeter greeter;

  private Memory memory;
  private ExportFunction alloc;
  private ExportFunction dealloc;
  private ExportFunction rawNoop;
  private ExportFunction rawEcho;
  private ExportFunction rawEchoSample;

  private static HostFunction unused(String name, List<ValType> params, List<ValType> results) {
    return new HostFunction(
        "kv",
        name,
        FunctionType.of(params, results),
        (instance, args) -> {
          throw new IllegalStateException("kv." + name + " is not used by this benchmark");
        });
  }

  @Setup(Level.Trial)
  public void setUp() {
    byte[] bytes = Setups.bytes(PLUGIN);
    host = PluginHost.builder().hostImports(KeyValueStore.class, new Setups.EmptyStore()).build();
    instance = host.load(bytes).instantiate();
    greeter = instance.exports(Greeter.class);

    WasmModule module = Parser.parse(bytes);
    ImportValues imports =
        ImportValues.builder()
            .addFunction(unused("scan", List.of(ValType.I32, ValType.I32), List.of(ValType.I64)))
            .addFunction(unused("get", List.of(ValType.I32, ValType.I32), List.of(ValType.I64)))
            .addFunction(
                unused(
                    "put",
                    List.of(ValType.I32, ValType.I32, ValType.I32, ValType.I32, ValType.I32),
                    List.of()))
            .addFunction(unused("add", List.of(ValType.I32), List.of(ValType.I64)))
            .build();
    Instance raw = Setups.rawInstance(module, Setups.rawCompile(module, null), imports);
    memory = raw.memory();
    alloc = raw.export("alloc");
    dealloc = raw.export("dealloc");
    rawNoop = raw.export("noop");
    rawEcho = raw.export("echo");
    rawEchoSample = raw.export("echo_sample");

    Setups.expect(typedEcho1k().equals(text) && rawEcho1k().equals(text), "echo does not echo");
    Setups.expect(typedEchoSample().equals(sample) && rawEchoSample().equals(sample), "echo_sample does not echo");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    instance.close();
    host.close();
  }

  @Benchmark
  public void typedNoop() {
    greeter.noop();
  }

  @Benchmark
  public long[] rawNoop() {
    return rawNoop.apply();
  }

  @Benchmark
  public String typedEcho1k() {
    return greeter.echo(text);
  }

  /** By hand: alloc and write the argument, call, read the packed result, decode it, free it. */
  @Benchmark
  public String rawEcho1k() {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int ptr = (int) alloc.apply(bytes.length)[0];
    memory.write(ptr, bytes);
    long packed = rawEcho.apply(ptr, bytes.length)[0];
    int resultPtr = (int) (packed >>> 32);
    int resultLen = (int) packed;
    String result = new String(memory.readBytes(resultPtr, resultLen), StandardCharsets.UTF_8);
    dealloc.apply(resultPtr, resultLen);
    return result;
  }

  @Benchmark
  public Sample typedEchoSample() {
    return greeter.echoSample(sample);
  }

  /**
   * By hand, the C layout of {@code Sample}: {@code int id @0, long timestamp @8, double score @16, int active
   * @24, (u32 ptr, u32 len) label @28}, 40 bytes.
   */
  @Benchmark
  public Sample rawEchoSample() {
    byte[] label = sample.label().getBytes(StandardCharsets.UTF_8);
    int labelPtr = (int) alloc.apply(label.length)[0];
    memory.write(labelPtr, label);
    int s = (int) alloc.apply(SAMPLE_SIZE)[0];
    memory.writeI32(s, sample.id());
    memory.writeLong(s + 8, sample.timestamp());
    memory.writeF64(s + 16, sample.score());
    memory.writeI32(s + 24, sample.active() ? 1 : 0);
    memory.writeI32(s + 28, labelPtr);
    memory.writeI32(s + 32, label.length);
    long packed = rawEchoSample.apply(s)[0];
    int r = (int) (packed >>> 32);
    int outLabelPtr = memory.readInt(r + 28);
    int outLabelLen = memory.readInt(r + 32);
    Sample result =
        new Sample(
            memory.readInt(r),
            memory.readLong(r + 8),
            memory.readDouble(r + 16),
            memory.readInt(r + 24) == 1,
            new String(memory.readBytes(outLabelPtr, outLabelLen), StandardCharsets.UTF_8));
    dealloc.apply(outLabelPtr, outLabelLen);
    dealloc.apply(r, SAMPLE_SIZE);
    return result;
  }
}
