package dev.terrarium.benchmarks;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.Grants;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import run.endive.compiler.Cache;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.HostFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasi.WasiOptions;
import run.endive.wasi.WasiPreview1;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.ValType;

/**
 * The two sides of every comparison, configured alike: Terrarium ({@link PluginHost}) and the same operation on
 * Endive directly. Each benchmark builds its state from here so that the raw and the Terrarium side load the same
 * module with the same imports.
 */
final class Setups {
  /** {@code add(i32,i32)->i32}, {@code noop()}; one page of memory, no imports. */
  static final String ADD = "fixtures/add.wasm";

  /** Imports {@code host.fail (i32)->i32}; exports {@code callFail(i32)->i32} (which calls it) and {@code noop()}. */
  static final String HOST_CALL = "fixtures/host-call.wasm";

  /** A 32 KiB WASI command written in C; its embedded manifest asks for args, stdio, files and exit. */
  static final String SIZER = "sizer.wasm";

  /** The host module and function that {@link #HOST_CALL} imports. */
  static final String HOST_MODULE = "host";

  static final String HOST_FUNCTION = "fail";

  /** A call timeout long enough never to fire: it measures only the cost of the watchdog's guard. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private Setups() {}

  /** The greeter plugin imports a key-value store; the benchmarks never call it. */
  static final class EmptyStore implements dev.terrarium.samples.abi.KeyValueStore {
    @Override
    public java.util.Optional<String> get(String key) {
      return java.util.Optional.empty();
    }

    @Override
    public void put(String key, String value) throws dev.terrarium.api.PluginError {}

    @Override
    public List<dev.terrarium.samples.abi.Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return 0;
    }
  }

  static byte[] bytes(String module) {
    return SamplePlugins.bytes(module);
  }

  static boolean importsWasi(String module) {
    return SIZER.equals(module);
  }

  // --- Terrarium ------------------------------------------------------------------------------------------------

  /**
   * A host that can load every benchmarked module: it registers {@code host.fail} (adds 1 to its argument) and
   * grants what sizer's embedded manifest asks for. It has a compiled-module cache of its own, so that a new host
   * starts cold.
   */
  static PluginHost.Builder terrariumHost() {
    return PluginHost.builder()
        .moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT))
        .grants(
            Grants.builder()
                .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
                .build())
        .hostFunction(
            HOST_MODULE,
            HOST_FUNCTION,
            List.of(WasmType.I32),
            List.of(WasmType.I32),
            (ctx, args) -> new long[] {args[0] + 1});
  }

  /** The host's default limits plus a per-call deadline, so that every call runs under the watchdog. */
  static PluginLimits limitsWithCallTimeout() {
    return PluginHost.DEFAULT_LIMITS.narrowedBy(PluginLimits.builder().callTimeout(CALL_TIMEOUT).build());
  }

  /**
   * Loads {@code module} as an application would: sizer and add with their embedded (or anonymous) manifest,
   * host-call with a manifest that requests the {@code host} module.
   */
  static Plugin load(PluginHost host, byte[] bytes, String module) {
    if (HOST_CALL.equals(module)) {
      return host.load(
          bytes,
          PluginManifest.of("host-call", "1.0.0")
              .withCapabilities(Capabilities.builder().hostModule(HOST_MODULE).build()));
    }
    return host.load(bytes);
  }

  // --- Endive directly --------------------------------------------------------------------------------------------

  /** Parses (and validates) the module, then compiles it to JVM bytecode, as Terrarium's compiler mode does. */
  static Function<Instance, Machine> rawCompile(byte[] bytes) {
    return rawCompile(Parser.parse(bytes), null);
  }

  /** Compiles with Endive's own cache of generated classes when {@code cache} is not {@code null}. */
  static Function<Instance, Machine> rawCompile(WasmModule module, Cache cache) {
    MachineFactoryCompiler.Builder b =
        MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT);
    if (cache != null) {
      b.withCache(cache);
    }
    return b.compile();
  }

  /** {@code host.fail} as a plain Endive host function: adds 1 to its argument. */
  static HostFunction rawHostFail() {
    return new HostFunction(
        HOST_MODULE,
        HOST_FUNCTION,
        FunctionType.of(List.of(ValType.I32), List.of(ValType.I32)),
        (instance, args) -> new long[] {args[0] + 1});
  }

  /** The imports of a module that imports no WASI: {@code host.fail}, reusable by every instance. */
  static ImportValues rawHostImports() {
    return ImportValues.builder().addFunction(rawHostFail()).build();
  }

  /**
   * A fresh WASI context like the one Terrarium gives an instance by default: argv = [program name], empty
   * environment and standard input, output discarded, no directories.
   */
  static WasiPreview1 rawWasi(String programName) {
    WasiOptions options =
        WasiOptions.builder()
            .withArguments(List.of(programName))
            .withStdin(InputStream.nullInputStream(), false)
            .withStdout(OutputStream.nullOutputStream(), false)
            .withStderr(OutputStream.nullOutputStream(), false)
            .build();
    return WasiPreview1.builder().withOptions(options).build();
  }

  static Instance rawInstance(WasmModule module, Function<Instance, Machine> factory, ImportValues imports) {
    return rawInstance(module, factory, imports, null);
  }

  /** An Endive instance; {@code limits}, when not {@code null}, bounds its memory like Terrarium's page limit. */
  static Instance rawInstance(
      WasmModule module, Function<Instance, Machine> factory, ImportValues imports, MemoryLimits limits) {
    Instance.Builder b = Instance.builder(module).withMachineFactory(factory).withImportValues(imports).withStart(false);
    if (limits != null) {
      b.withMemoryLimits(limits);
    }
    return b.build();
  }

  /**
   * The memory limits Terrarium gives an instance of {@code module} under {@code limits}: the module's initial
   * size, and the lower of its declared maximum and the page limit; {@code null} when the module has no memory.
   */
  static MemoryLimits terrariumMemoryLimits(WasmModule module, PluginLimits limits) {
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
      return null;
    }
    MemoryLimits declared = module.memorySection().get().getMemory(0).limits();
    int limit = limits.maxMemoryPages() == null ? PluginLimits.MAX_PAGES : limits.maxMemoryPages();
    return new MemoryLimits(declared.initialPages(), Math.min(declared.maximumPages(), limit));
  }

  static void expect(long[] actual, long... expected) {
    if (!Arrays.equals(actual, expected)) {
      throw new IllegalStateException(
          "benchmark setup is broken: expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
    }
  }

  static void expect(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("benchmark setup is broken: " + what);
    }
  }

  /** Endive's compiled-class cache, in memory, counting what it is asked. */
  static final class MemoryCache implements Cache {
    private final Map<String, byte[]> entries = new ConcurrentHashMap<>();
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder puts = new LongAdder();

    @Override
    public byte[] get(String key) throws IOException {
      byte[] b = entries.get(key);
      (b == null ? misses : hits).increment();
      return b;
    }

    @Override
    public void putIfAbsent(String key, byte[] bytes) throws IOException {
      puts.increment();
      entries.putIfAbsent(key, bytes);
    }
  }
}
