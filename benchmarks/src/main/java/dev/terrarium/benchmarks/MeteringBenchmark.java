package dev.terrarium.benchmarks;

import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
import run.endive.runtime.ExportFunction;
import run.endive.runtime.HostFunction;
import run.endive.runtime.ImportFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.ValType;

/**
 * The run-time cost of fuel metering (issue 4): the compute kernels of {@code kernels.wasm} (C, no imports) on raw
 * Endive with the compiler, as built ({@code unmetered}) and after {@code FuelRewriter.rewrite} with the default
 * cost model ({@code metered}).
 *
 * <ul>
 *   <li>{@code sha256_1mib()}: SHA-256 of 1 MiB of generated data.
 *   <li>{@code sieve(2_000_000)}: primes up to two million (148933).
 *   <li>{@code matmul(200)}: a 200×200 double matrix product.
 *   <li>{@code fib(30)}: naive recursion (832040; 1.6 million calls).
 *   <li>{@code quicksort(1_000_000)}: generates, sorts and checks a million ints.
 * </ul>
 *
 * <p>The metered instance's {@code terrarium_fuel.refuel} grants 100 million units per call (or {@code -Dslice=N}
 * given to the forks with {@code -jvmArgsAppend}), like a tenant's slice, and never runs dry; refuelling is part
 * of what is measured. The set-up checks that both variants return
 * the expected value (so also the same value).
 *
 * <p><b>A lower bound, not what users see:</b> this measures the rewritten module alone, with a huge slice and no
 * ledger, tenant or instance bookkeeping. {@link MeteredKernelBenchmark} and {@link MeteredCallBenchmark} measure
 * metering through {@code PluginHost}, the path applications take.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MeteringBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class MeteringBenchmark {
  /** Compute kernels for the metering benchmark; no imports. */
  static final String KERNELS = "kernels.wasm";

  /** Fuel units granted per refuel: {@code -Dslice}, default 100 million. */
  static final long SLICE = Long.getLong("slice", 100_000_000L);

  /** Each kernel's argument and expected result (raw bits for {@code matmul}'s f64). */
  static final Map<String, long[]> CALLS =
      Map.of(
          "sha256_1mib", new long[] {0x3e75ec67L},
          "sieve", new long[] {2_000_000, 148_933},
          "matmul", new long[] {200, Double.doubleToRawLongBits(-7390.704302000026)},
          "fib", new long[] {30, 832_040},
          "quicksort", new long[] {1_000_000, 1_091_657_710});

  @Param({"sha256_1mib", "sieve", "matmul", "fib", "quicksort"})
  public String kernel;

  /** {@code metered}: exact accounting (the default); {@code fast}: {@code CostModel.Accounting.FAST}. */
  @Param({"unmetered", "metered", "fast"})
  public String variant;

  private ExportFunction function;
  private long[] args;

  /** The metered instance's account: how many times it asked for fuel. */
  long refuels;

  @Setup(Level.Trial)
  public void setUp() {
    long[] call = CALLS.get(kernel);
    Setups.expect(call != null, "unknown kernel " + kernel);
    args = Arrays.copyOf(call, call.length - 1);
    long expected = call[call.length - 1];

    byte[] bytes = Setups.bytes(KERNELS);
    ExportFunction unmetered = instantiate(bytes, false).export(kernel);
    CostModel model =
        "fast".equals(variant)
            ? CostModel.builder().accounting(CostModel.Accounting.FAST).build()
            : CostModel.defaults();
    ExportFunction metered = instantiate(FuelRewriter.rewrite(bytes, model), true).export(kernel);
    long[] plain = unmetered.apply(args);
    long refuelsBefore = refuels;
    long[] paid = metered.apply(args);
    Setups.expect(plain, expected);
    Setups.expect(paid, plain);
    Setups.expect(refuels > refuelsBefore, "the metered kernel never refuelled");

    function = "unmetered".equals(variant) ? unmetered : metered;
    Setups.expect(function.apply(args), expected);
  }

  private Instance instantiate(byte[] bytes, boolean metered) {
    WasmModule module = Parser.parse(bytes);
    Function<Instance, Machine> factory = Setups.rawCompile(module, null);
    List<ImportFunction> functions = new ArrayList<>();
    if (metered) {
      functions.add(
          new HostFunction(
              FuelRewriter.IMPORT_MODULE,
              FuelRewriter.IMPORT_NAME,
              FunctionType.of(List.of(ValType.I64), List.of(ValType.I64)),
              (instance, a) -> {
                refuels++;
                return new long[] {a[0] + SLICE};
              }));
    }
    return Setups.rawInstance(module, factory, ImportValues.builder().withFunctions(functions).build());
  }

  @Benchmark
  public long[] run() {
    return function.apply(args);
  }
}
