package dev.terrarium.benchmarks;

import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
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
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasi.WasiPreview1;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.MemoryLimits;

/**
 * Creating an instance of an already compiled module (target: at most 40 µs per instance).
 *
 * <ul>
 *   <li>{@code raw}: {@code Instance.builder(module).withMachineFactory(compiled).withImportValues(...)
 *       .withMemoryLimits(...).withStart(false).build()}, with the same memory limit Terrarium applies by default
 *       (4096 pages, {@code PluginHost.DEFAULT_LIMITS}). Host-function imports are built once and shared by every
 *       instance, as a direct Endive user would; a WASI module gets a fresh {@code WasiPreview1} per instance
 *       (closed afterwards), since WASI state belongs to one instance.
 *   <li>{@code rawDefaultLimits}: the same without {@code withMemoryLimits}: Endive then sizes the memory's page
 *       table for the module's own maximum (up to 32767 pages for a module that declares none), a larger
 *       allocation per instance.
 *   <li>{@code terrarium}: {@code plugin.instantiate()} then {@code close()}, on a plugin loaded once.
 * </ul>
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar InstantiateBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class InstantiateBenchmark {
  @Param({Setups.ADD, Setups.HOST_CALL, Setups.SIZER})
  public String module;

  private WasmModule parsed;
  private Function<Instance, Machine> factory;
  private boolean wasi;
  private ImportValues hostImports;
  private String programName;
  private MemoryLimits memoryLimits;

  private PluginHost host;
  private Plugin plugin;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] bytes = Setups.bytes(module);
    parsed = Parser.parse(bytes);
    factory = Setups.rawCompile(parsed, null);
    wasi = Setups.importsWasi(module);
    hostImports = Setups.rawHostImports();
    host = Setups.terrariumHost().build();
    plugin = Setups.load(host, bytes, module);
    programName = plugin.id();
    memoryLimits = Setups.terrariumMemoryLimits(parsed, host.limits());
    Setups.expect(plugin.compiled(), "the plugin is not compiled");
    Setups.expect(raw() != null, "raw instantiation failed");
    Setups.expect(rawDefaultLimits() != null, "raw instantiation failed");
    terrarium();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    host.close();
  }

  @Benchmark
  public Instance raw() {
    return instantiate(memoryLimits);
  }

  @Benchmark
  public Instance rawDefaultLimits() {
    return instantiate(null);
  }

  private Instance instantiate(MemoryLimits limits) {
    if (!wasi) {
      return Setups.rawInstance(parsed, factory, hostImports, limits);
    }
    WasiPreview1 w = Setups.rawWasi(programName);
    try {
      return Setups.rawInstance(
          parsed, factory, ImportValues.builder().addFunction(w.toHostFunctions()).build(), limits);
    } finally {
      w.close();
    }
  }

  @Benchmark
  public PluginInstance terrarium() {
    PluginInstance instance = plugin.instantiate();
    instance.close();
    return instance;
  }
}
