package dev.terrarium.host.metering;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.ExportFunction;
import run.endive.runtime.HostFunction;
import run.endive.runtime.ImportFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasi.WasiExitException;
import run.endive.wasi.WasiOptions;
import run.endive.wasi.WasiPreview1;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.ExternalType;
import run.endive.wasm.types.FunctionImport;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.ValType;

/** Test support: runs original and metered modules on Endive, with a refuel host function drawing on a budget. */
public final class Meter {
  private Meter() {}

  /** Thrown by the test refuel function when the budget is spent. */
  static final class OutOfFuel extends RuntimeException {
    OutOfFuel() {
      super("out of fuel");
    }
  }

  /** Compiles WAT text with wabt's wat2wasm ({@code dir} is unused: kept for the callers). */
  public static byte[] wat(Path dir, String source, String... flags) {
    return dev.terrarium.host.Wat.compile(source, flags);
  }

  /** One instance with its fuel account. */
  static final class Run {
    final boolean metered;
    final long slice;
    long budget;
    long refuels;
    Instance instance;
    WasiPreview1 wasi;
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final List<String> log = new ArrayList<>();
    /** Whether the compiled machine holds the fuel counter (Terrarium's FuelField). */
    boolean fuelInMachine;

    Run(boolean metered, long slice, long budget) {
      this.metered = metered;
      this.slice = slice;
      this.budget = budget;
    }

    /** Fuel consumed so far: slices handed out minus what is left in the counter. */
    long consumed() {
      if (fuelInMachine) {
        return refuels * slice - ((java.util.concurrent.atomic.AtomicLong) instance.getMachine()).getPlain();
      }
      int g = instance.globalCount() - 1;
      return refuels * slice - instance.global(g).getValue();
    }

    Object call(String name, long... args) {
      return outcome(() -> instance.export(name).apply(args));
    }

    ExportFunction export(String name) {
      return instance.export(name);
    }
  }

  interface Body {
    long[] run() throws Throwable;
  }

  /** The result values as a list, or a string naming the failure kind. */
  static Object outcome(Body body) {
    try {
      long[] r = body.run();
      return r == null ? List.of() : Arrays.stream(r).boxed().toList();
    } catch (Throwable t) {
      return kind(t);
    }
  }

  static String kind(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof OutOfFuel) {
        return "out-of-fuel";
      }
      if (c instanceof StackOverflowError) {
        return "stack-exhausted";
      }
      if (c instanceof WasiExitException e) {
        return "exit:" + e.exitCode();
      }
      if (c instanceof OutOfMemoryError) {
        return "oom";
      }
    }
    String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (m.contains("stack") && (m.contains("exhaust") || m.contains("overflow"))) {
      return "stack-exhausted";
    }
    if (m.contains("doesn't recognize instruction")) {
      return "engine-lacks-instruction"; // Endive's interpreter lacks some SIMD instructions
    }
    // The interpreter and the compiler word some traps differently after the colon; keep the kind only.
    String message = String.valueOf(t.getMessage());
    int colon = message.indexOf(':');
    return "trap:" + t.getClass().getSimpleName() + ":" + (colon < 0 ? message : message.substring(0, colon));
  }

  /** The cost model {@code instantiate} meters with; a test that changes it restores it. */
  static CostModel model = CostModel.defaults();
  /** Whether the rewriter plans its charges ({@link ChargePlan}); off to compare with charges at every segment. */
  static boolean planned = true;
  /** Whether counted loops are paid by the chunk ({@link CountedLoop}); off to compare with a charge per iteration. */
  static boolean counted = true;
  /** Whether bounded loops get an unchecked copy ({@link BoundedLoop}); off to compare with the loop alone. */
  static boolean bounded = true;
  /**
   * Whether a refuel grants every slice the counter needs at once, or fails without granting any, as PluginHost's
   * meter does (else one slice per refuel: a refill that runs out part way leaves the slices it got in the global,
   * where trap flushing's handler, which stores the function's local, would not see them).
   */
  static boolean wholeRefills = false;
  /** Whether charges outside loops may skip their counter test ({@link FuelRewriter#DEFERRED_MAX}). */
  static boolean deferred = true;
  /** When positive, metered modules are also split at this estimated size ({@link FunctionSplitter}). */
  static int splitLimit = 0;
  /**
   * Whether compiled metered runs use trap flushing (EXACT counters in locals, FuelField's handlers store them at a
   * trap), as PluginHost compiles EXACT modules; interpreted runs never do.
   */
  static boolean trapFlush = false;

  static Run instantiate(byte[] bytes, boolean metered, boolean compiled, long slice, long budget) {
    return instantiate(bytes, metered, compiled, slice, budget, false, new byte[0]);
  }

  static Run instantiate(
      byte[] bytes, boolean metered, boolean compiled, long slice, long budget, boolean withWasi, byte[] stdin) {
    return instantiate(bytes, metered, compiled, slice, budget, withWasi, stdin, 0);
  }

  static Run instantiate(
      byte[] bytes,
      boolean metered,
      boolean compiled,
      long slice,
      long budget,
      boolean withWasi,
      byte[] stdin,
      int maxPages) {
    Run run = new Run(metered, slice, budget);
    boolean flush = trapFlush && metered && compiled && model.accounting() == CostModel.Accounting.EXACT;
    byte[] code = metered ? FuelRewriter.rewrite(bytes, model, planned, counted, bounded, flush, deferred) : bytes;
    if (metered && splitLimit > 0) {
      code = FunctionSplitter.split(code, splitLimit, flush);
    }
    WasmModule m = Parser.parse(code);
    List<ImportFunction> fns = new ArrayList<>();
    List<String> wasiNames = new ArrayList<>();
    var imports = m.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      if (!(imports.getImport(i) instanceof FunctionImport fi)) {
        continue;
      }
      FunctionType type = m.typeSection().getType(fi.typeIndex());
      if (fi.module().equals(FuelRewriter.IMPORT_MODULE)) {
        fns.add(
            new HostFunction(
                fi.module(),
                fi.name(),
                type,
                (inst, args) -> {
                  // One slice, or (wholeRefills) as many as the counter needs, as PluginHost's FuelMeter draws.
                  long slices = wholeRefills ? Math.max(1, Math.floorDiv(run.slice - 1 - args[0], run.slice)) : 1;
                  if (run.budget < slices * run.slice) {
                    throw new OutOfFuel();
                  }
                  run.budget -= slices * run.slice;
                  run.refuels += slices;
                  return new long[] {args[0] + slices * run.slice};
                }));
      } else if (fi.module().equals("wasi_snapshot_preview1") && withWasi) {
        wasiNames.add(fi.name());
      } else {
        int results = type.returns().size();
        String name = fi.module() + "." + fi.name();
        fns.add(
            new HostFunction(
                fi.module(),
                fi.name(),
                type,
                (inst, args) -> {
                  run.log.add(name + Arrays.toString(args));
                  return new long[results];
                }));
      }
    }
    if (withWasi) {
      run.wasi =
          WasiPreview1.builder()
              .withOptions(
                  WasiOptions.builder()
                      .withStdout(run.stdout, false)
                      .withStdin(new ByteArrayInputStream(stdin), false)
                      .withArguments(List.of("prog"))
                      .build())
              .build();
      for (HostFunction f : run.wasi.toHostFunctions()) {
        if (wasiNames.contains(f.name())) {
          fns.add(f);
        }
      }
    }
    Instance.Builder builder =
        Instance.builder(m).withImportValues(ImportValues.builder().withFunctions(fns).build()).withStart(!withWasi);
    if (maxPages > 0) {
      int initial = m.memorySection().map(ms -> ms.getMemory(0).limits().initialPages()).orElse(0);
      builder.withMemoryLimits(new MemoryLimits(initial, maxPages));
    }
    if (compiled) {
      java.util.function.Function<Instance, Machine> factory = null;
      if (metered) {
        // As Terrarium compiles metered modules: the counter (the last global) as a field of the machine.
        int counter = m.importSection().count(ExternalType.GLOBAL) + m.globalSection().globals().length - 1;
        factory = dev.terrarium.host.engine.FuelField.compile(m, counter, flush);
        if (flush && factory == null && dev.terrarium.host.engine.FuelField.compile(m, counter, false) != null) {
          throw new IllegalStateException("the trap-flushing rewrite could not be compiled with its handlers");
        }
        run.fuelInMachine = factory != null;
      }
      builder.withMachineFactory(factory != null ? factory : MachineFactoryCompiler.compile(m));
    }
    run.instance = builder.build();
    return run;
  }

  /** How many {@code op} instructions defined function {@code index} of {@code module} has. */
  static long count(byte[] module, int index, run.endive.wasm.types.OpCode op) {
    return Parser.parse(module).codeSection().getFunctionBody(index).instructions().stream()
        .filter(i -> i.opcode() == op)
        .count();
  }

  static long[] args(Object... xs) {
    return Arrays.stream(xs).mapToLong(x -> ((Number) Objects.requireNonNull(x)).longValue()).toArray();
  }
}
