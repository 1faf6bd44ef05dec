package dev.terrarium.host.engine;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.CallCancelledException;
import dev.terrarium.api.CallInterruptedException;
import dev.terrarium.api.CallTimeoutException;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.GuestExitException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.HostFunctionException;
import dev.terrarium.api.MemoryLimitException;
import dev.terrarium.api.PluginCallException;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.api.StackExhaustedException;
import dev.terrarium.api.TrapKind;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.Allocator;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.host.quota.FuelMeter;
import dev.terrarium.host.quota.InstanceFuel;
import run.endive.runtime.GlobalInstance;
import dev.terrarium.host.ImportDescription;
import dev.terrarium.host.ModuleDescription;
import dev.terrarium.host.ExportDescription;
import run.endive.wasm.types.MutabilityType;
import dev.terrarium.host.internal.Watchdog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import run.endive.runtime.ExportFunction;
import run.endive.runtime.HostFunction;
import run.endive.runtime.ImportFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.runtime.CallResult;
import run.endive.runtime.ImportGlobal;
import run.endive.runtime.ImportMemory;
import run.endive.runtime.ImportTable;
import run.endive.runtime.WasmFunctionHandle;
import dev.terrarium.api.HostGlobalDefinition;
import dev.terrarium.api.HostTableDefinition;
import run.endive.runtime.TrapException;
import run.endive.runtime.WasmInterruptedException;
import dev.terrarium.host.wasi.Wasi;
import dev.terrarium.host.wasi.WasiFunctions;
import run.endive.wasm.UninstantiableException;
import run.endive.wasm.UnlinkableException;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.MemoryLimits;

/**
 * One sandbox on Endive: an instance with its own memory, WASI state and imports. Confined to one call at a
 * time. Every failure of a call is translated into a typed {@link PluginCallException}; every failure but a
 * caller's mistake breaks the instance, which then refuses further calls.
 */
public final class EngineInstance implements AutoCloseable {
  static final long[] NO_VALUES = new long[0];
  private final String pluginId;
  private final EngineArtifact artifact;
  private final InstanceSpec spec;
  private final Instance instance;
  private final GuardedMemory memory;
  private final Wasi wasi;
  private final Watchdog.Slot slot;
  private final ExternRefs refs;
  private final InstanceContext context;
  final ExecutorService guestExecutor;
  private String unusable;
  /** The fuel of a metered instance, or {@code null}. */
  private final FuelState fuel;
  private long lastCallFuel = -1;

  /** A metered instance's fuel: its account, its counter global and the meter of the call in progress. */
  static final class FuelState {
    final InstanceFuel account;
    final int counterIndex;
    /** The counter as a global, or {@code null} when it lives in the machine ({@link FuelField}). */
    GlobalInstance counter;
    /** The counter in the compiled machine ({@link FuelField}), or {@code null} when it is a global. */
    java.util.concurrent.atomic.AtomicLong machineCounter;

    long counterValue() {
      java.util.concurrent.atomic.AtomicLong m = machineCounter;
      return m != null ? m.getPlain() : counter.getValue();
    }

    void counterValue(long value) {
      java.util.concurrent.atomic.AtomicLong m = machineCounter;
      if (m != null) {
        m.setPlain(value);
      } else {
        counter.setValue(value);
      }
    }
    /**
     * The meter of the call running ({@link #active}), or of the last one: an instance's calls reuse one meter, and
     * it stays here between calls, since storing a reference to an object in the old generation costs each call a
     * fence in G1's write barrier (a metered no-op call took 24-29 ns instead of 18 on JDK 17 with a heap that was
     * not pre-sized).
     */
    FuelMeter current;
    /** Whether a metered call (or start function) is running, charged to {@link #current}. */
    boolean active;

    /** Makes {@code meter} the running call's (or start function's). */
    void begin(FuelMeter meter) {
      if (current != meter) {
        current = meter;
      }
      active = true;
    }

    /** Begins a metered call of {@code function}: takes the instance's lease and puts it in the guest's counter. */
    FuelMeter beginCall(String pluginId, String function) {
      FuelMeter meter = account.beginCall(pluginId, function);
      begin(meter);
      counterValue(meter.counter());
      return meter;
    }

    /** Whether {@link #current} was begun for a typed call ({@link #beginTypedCall}), and its marshalling fuel. */
    boolean typed;
    long marshallingFuel;

    FuelState(InstanceFuel account, int counterIndex) {
      this.account = account;
      this.counterIndex = counterIndex;
    }

    /** The injected {@code terrarium_fuel.refuel(counter) -> counter} import. */
    HostFunction refuelFunction() {
      return new HostFunction(
          FuelRewriter.IMPORT_MODULE,
          FuelRewriter.IMPORT_NAME,
          FunctionType.of(List.of(run.endive.wasm.types.ValType.I64), List.of(run.endive.wasm.types.ValType.I64)),
          (instance, args) -> {
            if (!active) {
              throw new IllegalStateException("the guest ran metered code outside a call");
            }
            return new long[] {current.refuel(args[0])};
          });
    }
  }

  private EngineInstance(
      EngineArtifact artifact,
      InstanceSpec spec,
      Instance instance,
      GuardedMemory memory,
      Wasi wasi,
      Watchdog.Slot slot,
      FuelState fuel,
      ExternRefs refs,
      InstanceContext context) {
    this.context = context;
    this.fuel = fuel;
    this.refs = refs;
    this.pluginId = spec.pluginId();
    this.artifact = artifact;
    this.spec = spec;
    this.instance = instance;
    this.memory = memory;
    this.wasi = wasi;
    this.slot = slot;
    this.guestExecutor = spec.guestExecutor();
  }

  private void markUnusable(String why) {
    unusable = why;
  }

  /**
   * Instantiates {@code artifact}: links its imports, sets its memory limit, initialises it and runs its start
   * function, all under the call deadline and on the configured guest stack.
   */
  public static EngineInstance create(EngineArtifact artifact, InstanceSpec spec) {
    ModuleDescription d = artifact.description;
    String pluginId = spec.pluginId();
    int limit = spec.memoryLimitPages();
    if (d.initialMemoryPages() > limit) {
      throw new PluginInstantiationException(
          ErrorCode.INSTANTIATE_MEMORY_LIMIT,
          pluginId,
          "the module needs "
              + d.initialMemoryPages()
              + " pages of memory to start, more than its limit of "
              + limit
              + " pages. Raise maxMemoryPages or build the plugin with a smaller initial memory.",
          null);
    }
    Links links = spec.links();
    BoundedTable.Budget tables = new BoundedTable.Budget(spec.tableElementLimit());
    long tableElements = links.initialTableElements(artifact);
    if (tableElements > tables.limit()) {
      throw new PluginInstantiationException(
          ErrorCode.INSTANTIATE_TABLE_LIMIT,
          pluginId,
          "the module's tables need "
              + tableElements
              + " elements to start, more than its limit of "
              + tables.limit()
              + ". Raise maxTableElements or build the plugin with smaller tables.",
          null);
    }
    Watchdog.Slot slot = spec.watchdog().register(spec.timeout());
    Wasi wasi = null;
    InstanceContext context = null;
    try {
      wasi = spec.wasi() == null ? null : new Wasi(spec.wasi());
      FuelState fuel = null;
      if (artifact.metered()) {
        if (spec.fuel() == null) {
          throw new PluginInstantiationException(
              ErrorCode.INSTANTIATE_FAILED,
              pluginId,
              "the plugin is metered but the instance has no tenant to charge. Instantiate it for a tenant.",
              null);
        }
        fuel = new FuelState(spec.fuel(), artifact.fuelCounter);
      }
      GuardedMemory[] memoryHolder = new GuardedMemory[1];
      ExternRefs refs = new ExternRefs();
      context = InstanceContext.create(pluginId, spec.caller());
      ImportValues imports = imports(spec, wasi, fuel, refs, tables, memoryHolder, context);
      int declaredMax = d.maximumMemoryPages().orElse(MemoryLimits.MAX_PAGES);
      MemoryLimits limits = new MemoryLimits(d.initialMemoryPages(), Math.min(declaredMax, limit));
      Instance.Builder builder =
          Instance.builder(artifact.module)
              .withImportValues(imports)
              .withStart(false)
              .withMemoryLimits(limits)
              .withMemoryFactory(
                  l -> {
                    GuardedMemory m = new GuardedMemory(l, limit);
                    memoryHolder[0] = m;
                    return m;
                  })
              .withTableFactory(
                  (table, initialValue) -> {
                    BoundedTable t = BoundedTable.create(table, initialValue, tables);
                    if (t == null) {
                      throw new IllegalStateException("table elements were checked before instantiation");
                    }
                    return t;
                  });
      if (artifact.machineFactory != null) {
        builder.withMachineFactory(artifact.machineFactory);
      }
      Instance instance;
      if (fuel != null && artifact.module.startSection().isPresent()) {
        instance = buildMetered(spec, slot, builder, memoryHolder, fuel, artifact);
      } else {
        instance = guarded(spec, slot, () -> builder.build(), memoryHolder, "instantiation");
      }
      if (fuel != null) {
        if (artifact.fuelInMachine) {
          fuel.machineCounter = (java.util.concurrent.atomic.AtomicLong) instance.getMachine();
        } else {
          fuel.counter = instance.global(fuel.counterIndex);
        }
      }
      return new EngineInstance(artifact, spec, instance, memoryHolder[0], wasi, slot, fuel, refs, context);
    } catch (RuntimeException | Error e) {
      if (context != null) {
        context.close();
      }
      if (wasi != null) {
        wasi.close();
      }
      slot.close();
      throw instantiationFailure(pluginId, e);
    }
  }

  /**
   * Builds a metered instance whose module has a start function: the start function runs metered, charged to the
   * instance's tenant like a call (a looping one is stopped by fuel), and is settled whether it returns or fails.
   */
  private static Instance buildMetered(
      InstanceSpec spec,
      Watchdog.Slot slot,
      Instance.Builder builder,
      GuardedMemory[] memory,
      FuelState fuel,
      EngineArtifact artifact) {
    // Where the counter is must be known even when the start function fails and no instance is returned: the
    // module's last defined global (the last one the engine creates), or the compiled machine.
    GlobalInstance[] last = new GlobalInstance[1];
    Machine[] machine = new Machine[1];
    if (artifact.fuelInMachine) {
      builder.withMachineFactory(
          i -> {
            Machine m = artifact.machineFactory.apply(i);
            machine[0] = m;
            return m;
          });
    } else {
      builder.withGlobalFactory(
          (low, high, type, mutability) -> {
            GlobalInstance g =
                GlobalInstance.builder().valueLow(low).valueHigh(high).valType(type).mutabilityType(mutability).build();
            last[0] = g;
            return g;
          });
    }
    FuelMeter meter = fuel.account.startCall(spec.pluginId(), START_FUNCTION);
    fuel.begin(meter);
    RuntimeException failure = null;
    try {
      return guarded(spec, slot, () -> builder.build(), memory, "instantiation");
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      fuel.active = false;
      long counter =
          machine[0] instanceof java.util.concurrent.atomic.AtomicLong m
              ? m.getPlain()
              : last[0] == null ? 0 : last[0].getValue();
      // The counter as last stored never exceeds what the meter handed out.
      settle(spec, meter, Math.min(counter, meter.counter()), failure, 0);
    }
  }

  /** The name a start function's fuel is recorded under, in errors and metrics. */
  static final String START_FUNCTION = "(start function)";

  /** The plugin exception {@code e} is or carries (a failed instantiation carries its start function's). */
  private static RuntimeException pluginFailure(RuntimeException e) {
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof PluginException pe) {
        return pe;
      }
    }
    return e;
  }


  private static PluginException instantiationFailure(String pluginId, Throwable e) {
    if (e instanceof PluginInstantiationException pie) {
      return pie;
    }
    String why;
    if (e instanceof PluginCallException pce) {
      why = "its start function failed: " + pce.getMessage();
    } else if (e instanceof UnlinkableException) {
      why = "its imports could not be linked: " + e.getMessage();
    } else if (e instanceof UninstantiableException) {
      why = "the engine refused it: " + e.getMessage();
    } else {
      why = "the engine failed: " + e;
    }
    return new PluginInstantiationException(
        ErrorCode.INSTANTIATE_FAILED,
        pluginId,
        "creating an instance failed, " + why + ". The plugin stays loaded; fix the module or its inputs.",
        e);
  }

  private static <T> T guarded(
      InstanceSpec spec, Watchdog.Slot slot, Supplier<T> body, GuardedMemory[] memory, String what) {
    Callable<T> call =
        () -> {
          slot.enter();
          T result;
          try {
            result = body.get();
            drainOutput(spec);
          } catch (Throwable t) {
            drainOutputAfter(spec, t);
            int stop = slot.exit();
            throw translate(spec.pluginId(), what, t, stop, slot, memory[0], spec.stackDescription());
          }
          slot.exit();
          return result;
        };
    return runOn(spec.pluginId(), what, spec.guestExecutor(), call);
  }

  private static <T> T runOn(String pluginId, String what, ExecutorService executor, Callable<T> call) {
    if (executor == null) {
      try {
        return call.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    Future<T> future = executor.submit(call);
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new CallInterruptedException(pluginId, what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  private static ImportValues imports(
      InstanceSpec spec,
      Wasi wasi,
      FuelState fuel,
      ExternRefs refs,
      BoundedTable.Budget tables,
      GuardedMemory[] memoryHolder,
      InstanceContext context) {
    Links links = spec.links();
    List<ImportFunction> functions = new ArrayList<>();
    for (int i = 0; i < links.hostFunctions.size(); i++) {
      functions.add(adapt(links.hostFunctions.get(i), links.hostTypes.get(i), context));
    }
    if (!links.refFunctions.isEmpty()) {
      InstanceContext withRefs = context.withRefs(refs);
      for (HostFunctionDefinition def : links.refFunctions) {
        functions.add(adaptWithRefs(def, withRefs, refs));
      }
    }
    ImportValues.Builder values = ImportValues.builder();
    if (links.memory != null) {
      ImportDescription m = links.memory;
      int limit = spec.memoryLimitPages();
      int max = (int) Math.min(m.max() < 0 ? MemoryLimits.MAX_PAGES : m.max(), limit);
      GuardedMemory memory = new GuardedMemory(new MemoryLimits((int) m.min(), max), limit);
      memoryHolder[0] = memory;
      values.addMemory(new ImportMemory(m.module(), m.name(), memory));
    }
    for (HostGlobalDefinition g : links.globals) {
      values.addGlobal(new ImportGlobal(g.module(), g.name(), HostImports.global(g)));
    }
    for (HostTableDefinition t : links.tables) {
      values.addTable(new ImportTable(t.module(), t.name(), HostImports.table(t, tables)));
    }
    if (fuel != null) {
      functions.add(fuel.refuelFunction());
    }
    if (wasi != null) {
      WasiBinding binding = new WasiBinding(wasi);
      for (WasiFunctions.Function f : links.wasiFunctions) {
        functions.add(binding.bind(f));
      }
    }
    return values.withFunctions(functions).build();
  }

  /** Terrarium's WASI bound to one instance, over its memory (found at the first call). */
  private static final class WasiBinding {
    private final Wasi wasi;
    private EngineWasiMemory memory;

    WasiBinding(Wasi wasi) {
      this.wasi = wasi;
    }

    HostFunction bind(WasiFunctions.Function f) {
      FunctionType type = functionType(f.params(), f.results());
      String qualified = f.toString();
      return new HostFunction(
          f.module(),
          f.name(),
          type,
          (instance, args) -> {
            try {
              return f.call(wasi, memory(instance), args);
            } catch (Wasi.Exit exit) {
              throw exit;
            } catch (Wasi.Interrupted | dev.terrarium.host.internal.GuestStop interrupted) {
              throw new WasmInterruptedException("interrupted in " + qualified); // a deadline or the application
            } catch (RuntimeException e) {
              // Not an errno: a fault of the host's (a trace consumer that throws, a file system bug). It ends
              // the call as a host-function failure, never as an engine error.
              throw new HostFailure(qualified, e);
            }
          });
    }

    private EngineWasiMemory memory(Instance instance) {
      EngineWasiMemory m = memory;
      if (m == null) {
        // A module without memory (one that only calls proc_exit, say) gets an empty one: every access faults.
        m = new EngineWasiMemory(instance.memory());
        memory = m;
      }
      return m;
    }
  }

  /**
   * A plugin's imports, resolved once and shared by its instances: host function definitions and their engine
   * types, WASI functions, and the imported memory, host globals and tables. Each instance binds them to its own
   * {@link InstanceContext} (and copies of the memory, globals and tables).
   */
  public static final class Links {
    final List<HostFunctionDefinition> hostFunctions;
    final List<FunctionType> hostTypes;
    final List<HostFunctionDefinition> refFunctions;
    final List<WasiFunctions.Function> wasiFunctions;
    final ImportDescription memory;
    final List<HostGlobalDefinition> globals;
    final List<HostTableDefinition> tables;

    private Links(
        List<HostFunctionDefinition> hostFunctions,
        List<HostFunctionDefinition> refFunctions,
        List<WasiFunctions.Function> wasiFunctions,
        ImportDescription memory,
        List<HostGlobalDefinition> globals,
        List<HostTableDefinition> tables) {
      this.hostFunctions = List.copyOf(hostFunctions);
      this.hostTypes = this.hostFunctions.stream().map(d -> functionType(d.params(), d.results())).toList();
      this.refFunctions = List.copyOf(refFunctions);
      this.wasiFunctions = List.copyOf(wasiFunctions);
      this.memory = memory;
      this.globals = List.copyOf(globals);
      this.tables = List.copyOf(tables);
    }

    /** The table elements an instance of {@code artifact} starts with: its tables' and the imported ones'. */
    long initialTableElements(EngineArtifact artifact) {
      long total = 0;
      for (HostTableDefinition t : tables) {
        total += t.min();
      }
      var section = artifact.module.tableSection();
      for (int i = 0; i < section.tableCount(); i++) {
        total += section.getTable(i).limits().min();
      }
      return total;
    }

    /** Resolves every function import of {@code artifact} (already checked against the grants). */
    public static Links resolve(
        String pluginId, EngineArtifact artifact, Map<String, HostFunctionDefinition> definitions) {
      return resolve(pluginId, artifact, definitions, Map.of(), Map.of());
    }

    /** Resolves every import of {@code artifact} (already checked against the grants and definitions). */
    public static Links resolve(
        String pluginId,
        EngineArtifact artifact,
        Map<String, HostFunctionDefinition> definitions,
        Map<String, HostGlobalDefinition> globalDefinitions,
        Map<String, HostTableDefinition> tableDefinitions) {
      List<HostFunctionDefinition> host = new ArrayList<>();
      List<HostFunctionDefinition> withRefs = new ArrayList<>();
      List<WasiFunctions.Function> wasi = new ArrayList<>();
      ImportDescription memory = null;
      List<HostGlobalDefinition> globals = new ArrayList<>();
      List<HostTableDefinition> tables = new ArrayList<>();
      Set<String> added = new java.util.HashSet<>();
      for (ImportDescription imp : artifact.description.imports()) {
        String key = imp.module() + "." + imp.name();
        if (!added.add(imp.kind() + "\0" + key)) {
          continue;
        }
        switch (imp.kind()) {
          case "memory" -> memory = imp;
          case "global" -> globals.add(required(pluginId, imp, globalDefinitions.get(key)));
          case "table" -> tables.add(required(pluginId, imp, tableDefinitions.get(key)));
          case "function" -> {
            if (WasiFunctions.isWasi(imp.module())) {
              WasiFunctions.Function f = WasiFunctions.lookup(imp.module(), imp.name());
              wasi.add(required(pluginId, imp, f));
            } else {
              HostFunctionDefinition def = required(pluginId, imp, definitions.get(key));
              if (RefValues.hasReferences(def.params(), def.results())) {
                withRefs.add(def);
              } else {
                host.add(def);
              }
            }
          }
          default -> throw new PluginInstantiationException(
              ErrorCode.INSTANTIATE_FAILED, pluginId, "cannot import " + imp + ".", null);
        }
      }
      return new Links(host, withRefs, wasi, memory, globals, tables);
    }

    private static <T> T required(String pluginId, ImportDescription imp, T definition) {
      if (definition == null) {
        throw new PluginInstantiationException(
            ErrorCode.INSTANTIATE_FAILED, pluginId, "the host defines no " + imp + ".", null);
      }
      return definition;
    }
  }

  private static FunctionType functionType(List<WasmType> params, List<WasmType> results) {
    return FunctionType.of(
        params.stream().map(Engine::toValType).toList(), results.stream().map(Engine::toValType).toList());
  }

  private static HostFunction adapt(HostFunctionDefinition def, FunctionType type, InstanceContext context) {
    return new HostFunction(
        def.module(), def.name(), type, (instance, args) -> callHost(def, context.at(instance), args));
  }

  /**
   * Calls a host function's implementation: whatever it throws becomes a {@link HostFailure} naming it, and so
   * does returning a number of values its signature does not have.
   */
  private static long[] callHost(HostFunctionDefinition def, HostCallContext context, long[] args) {
    long[] results;
    try {
      results = def.implementation().call(context, args);
    } catch (Throwable t) {
      throw new HostFailure(def.qualifiedName(), t);
    }
    if (results == null) {
      results = NO_VALUES;
    }
    int resultCount = def.results().size();
    if (results.length != resultCount) {
      throw new HostFailure(
          def.qualifiedName(),
          new IllegalStateException(
              "host function returned " + results.length + " values, its signature has " + resultCount));
    }
    return results;
  }


  /**
   * Adapts a host function whose signature has references, for one instance: externref arguments reach it as
   * handles of the instance's table, and the handles it returns must be the instance's.
   */
  private static HostFunction adaptWithRefs(HostFunctionDefinition def, InstanceContext context, ExternRefs refs) {
    FunctionType type = functionType(def.params(), def.results());
    String qualified = def.qualifiedName();
    List<WasmType> params = def.params();
    List<WasmType> results = def.results();
    WasmFunctionHandle handle =
        new WasmFunctionHandle() {
          @Override
          public long[] apply(Instance instance, long... args) {
            return applyWithRefs(instance, args, null).longs();
          }

          @Override
          public CallResult applyWithRefs(Instance instance, long[] args, Object[] objects) {
            long[] in = RefValues.fromEngine(refs, params, args, objects);
            long[] out = callHost(def, context.at(instance), in);
            Object[] outObjects;
            try {
              outObjects = RefValues.toEngine(instance, refs, results, out, "result");
            } catch (IllegalArgumentException e) {
              throw new HostFailure(qualified, e);
            }
            return CallResult.of(out, outObjects);
          }
        };
    return new HostFunction(def.module(), def.name(), type, handle);
  }

  /** The guest's alloc/dealloc exports, checked against the ABI's signatures. */
  static Allocator allocator(String pluginId, Instance instance) {
    ExportFunction alloc = abiExport(pluginId, instance, "alloc", ALLOC_TYPE);
    ExportFunction dealloc = abiExport(pluginId, instance, "dealloc", DEALLOC_TYPE);
    return new Allocator() {
      @Override
      public int alloc(int size) {
        try {
          return (int) alloc.apply(size)[0];
        } catch (RuntimeException e) {
          // A host import's binding allocating its result, inside the guest's call: an allocator that traps when
          // the limit refused to grow the memory (AssemblyScript's does) ran out of memory, it has no bug.
          if (instance.memory() instanceof GuardedMemory m && m.growRefused()) {
            throw new MemoryLimitException(
                pluginId,
                null,
                m.limitPages(),
                "its alloc(" + Integer.toUnsignedLong(size) + ") trapped because its memory of "
                    + (long) m.pages() * 64 + " KiB is full (" + e.getMessage() + ")",
                e);
          }
          throw e;
        }
      }

      @Override
      public void dealloc(int pointer, int size) {
        dealloc.apply(pointer, size);
      }
    };
  }

  private static final FunctionType ALLOC_TYPE =
      FunctionType.of(List.of(run.endive.wasm.types.ValType.I32), List.of(run.endive.wasm.types.ValType.I32));
  private static final FunctionType DEALLOC_TYPE =
      FunctionType.of(
          List.of(run.endive.wasm.types.ValType.I32, run.endive.wasm.types.ValType.I32), List.of());

  private static ExportFunction abiExport(String pluginId, Instance instance, String name, FunctionType type) {
    FunctionType actual;
    try {
      actual = instance.exportType(name);
    } catch (RuntimeException e) {
      actual = null;
    }
    if (actual == null || !actual.equals(type)) {
      throw new AbiViolationException(
          pluginId,
          "the module must export '" + name + "' " + Engine.signature(type) + " to pass values in memory, but it "
              + (actual == null ? "does not export it" : "exports it as " + Engine.signature(actual)));
    }
    return instance.export(name);
  }

  /** Returns the guest's alloc/dealloc exports, checked against the ABI's signatures. */
  public Allocator allocator() {
    return allocator(pluginId, instance);
  }

  /**
   * An export resolved against this instance: the machine that runs it, its function index, its types, and
   * whether any of them is a reference (such a call converts its values, see {@link RefValues}).
   */
  record Resolved(Machine machine, int index, List<WasmType> params, List<WasmType> results, boolean references) {}

  /** Looks up an exported function, or throws {@link BadExportException}. */
  Resolved resolve(String name) {
    var export = artifact.description.export(name);
    if (export.isEmpty()) {
      throw new BadExportException(
          pluginId,
          name,
          "the module has no export named '"
              + name
              + "'. Its function exports are: "
              + String.join(
                  ", ",
                  artifact.description.exports().stream()
                      .filter(e -> e.kind().equals("function"))
                      .map(e -> e.name() + " " + e.signature())
                      .toList())
              + ".");
    }
    if (!export.get().kind().equals("function")) {
      throw new BadExportException(
          pluginId, name, "the export '" + name + "' is a " + export.get().kind() + ", not a function.");
    }
    FunctionType type = instance.exportType(name);
    List<WasmType> params = Engine.numeric(type.params());
    List<WasmType> results = Engine.numeric(type.returns());
    if (params == null || results == null) {
      throw new BadExportException(
          pluginId,
          name,
          "the export '" + name + "' has signature " + Engine.signature(type)
              + ", which uses a type that cannot cross the boundary; i32, i64, f32, f64, funcref and externref can.");
    }
    return new Resolved(
        instance.getMachine(),
        functionIndex(name),
        List.copyOf(params),
        List.copyOf(results),
        RefValues.hasReferences(params, results));
  }

  private int functionIndex(String name) {
    var exports = artifact.module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      var e = exports.getExport(i);
      if (e.name().equals(name) && e.exportType() == run.endive.wasm.types.ExternalType.FUNCTION) {
        return e.index();
      }
    }
    throw new IllegalStateException("export " + name + " was resolved but is not in the export section");
  }

  /** Returns the observer of the calls of export {@code name}, or {@code null} when no metrics are recorded. */
  CallObserver callObserver(String name) {
    var observers = spec.callObservers();
    return observers == null ? null : observers.apply(name);
  }

  /** Calls an export (see {@link ExportCall#call}), translating every failure, and charging fuel if metered. */
  long[] invoke(Machine machine, int index, String name, long[] args) {
    return invoke(machine, index, name, args, null, false);
  }

  /**
   * As {@link #invoke(Machine, int, String, long[])}, for a function with references in its signature ({@code
   * resolved}; {@code null} when it has none). {@code marshalling} says that a typed binding makes the call to pass
   * values ({@code alloc}, {@code dealloc}): its fuel is told to the listener as such, not as a call of the user's.
   */
  long[] invoke(Machine machine, int index, String name, long[] args, Resolved resolved, boolean marshalling) {
    if (resolved == null) {
      return invokeMetered(machine, index, name, args, null, null, marshalling);
    }
    long[] engineArgs = args.clone();
    Object[] objects;
    try {
      objects = RefValues.toEngine(instance, refs, resolved.params(), engineArgs, "argument");
    } catch (IllegalArgumentException e) {
      throw new BadExportException(pluginId, name, e.getMessage() + ".");
    }
    return invokeMetered(machine, index, name, engineArgs, resolved, objects, marshalling);
  }

  /** Runs the call on the machine: with numbers only, or converting references ({@code resolved} not null). */
  private long[] run(Machine machine, int index, long[] args, Resolved resolved, Object[] objects) {
    if (resolved == null) {
      return machine.call(index, args);
    }
    return RefValues.fromEngine(refs, resolved.results(), machine.callWithRefs(index, args, objects));
  }

  private long[] invokeMetered(
      Machine machine,
      int index,
      String name,
      long[] args,
      Resolved resolved,
      Object[] objects,
      boolean marshalling) {
    FuelState f = fuel;
    if (f == null || f.active) {
      // Unmetered, or re-entered from a host function, or part of a typed call: the outer meter keeps counting.
      if (f == null || !marshalling || !f.typed) {
        return invokeGuarded(machine, index, name, args, resolved, objects);
      }
      FuelMeter meter = f.current;
      long before = meter.usedAt(f.counterValue());
      try {
        return invokeGuarded(machine, index, name, args, resolved, objects);
      } finally {
        f.marshallingFuel += meter.usedAt(f.counterValue()) - before; // told apart when the typed call settles
      }
    }
    FuelMeter meter = f.beginCall(pluginId, name);
    RuntimeException failure = null;
    try {
      return invokeGuarded(machine, index, name, args, resolved, objects);
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      f.active = false;
      lastCallFuel = settle(spec, meter, f.counterValue(), failure, marshalling ? -1 : 0);
    }
  }

  /**
   * Whether typed calls are metered as one call ({@link #beginTypedCall}), unless the system property {@code
   * terrarium.typedCallMeter} is {@code false} (for comparisons: then each of their calls is metered alone).
   */
  private static final boolean TYPED_CALL_METER =
      !"false".equals(System.getProperty("terrarium.typedCallMeter"));

  /**
   * Begins one metered call for a typed call's {@code alloc}, export call and {@code dealloc} (a generated proxy's
   * {@code GuestExports.beginTypedCall}): they are charged, settled and reported as one call, whose {@code alloc}
   * and {@code dealloc} fuel the listener still hears of as marshalling. Returns false, beginning nothing, when the
   * instance is not metered or a call is running (a host function calling back: that call's meter counts).
   */
  public boolean beginTypedCall(String function) {
    FuelState f = fuel;
    if (f == null || f.active || !TYPED_CALL_METER) {
      return false;
    }
    f.beginCall(pluginId, function);
    f.typed = true;
    f.marshallingFuel = 0;
    return true;
  }

  /** Ends a typed call that {@link #beginTypedCall} began ({@code began}), settling it; {@code failure} or null. */
  public void endTypedCall(boolean began, RuntimeException failure) {
    if (!began) {
      return;
    }
    FuelState f = fuel;
    FuelMeter meter = f.current;
    f.active = false;
    f.typed = false;
    lastCallFuel = settle(spec, meter, f.counterValue(), failure, f.marshallingFuel);
  }

  /**
   * Settles a metered call (or start function) that ended with the counter at {@code counter} and {@code failure}
   * ({@code null} when it returned), tells the fuel listener, and returns the fuel charged. A settlement failure is
   * thrown, or added to {@code failure} as suppressed.
   *
   * <p>Under FAST accounting a metered function keeps its counter in a local and stores it only at calls, returns
   * and refuels. A call that failed inside a host call (proc_exit, a host function, fuel running out) ended at
   * such a store, so the counter is exact; one that trapped, overflowed its stack or was stopped did not, and what
   * it spent since its last store is unknown: it is charged all the fuel it drew (since tests are deferred, up to
   * {@code FuelRewriter.DEFERRED_MAX} units less than it ran).
   *
   * <p>{@code marshallingFuel} is -1 for a typed binding's own {@code alloc} or {@code dealloc} call, else the part
   * of the call's fuel that went to them inside a typed call: the listener hears of it apart.
   */
  private static long settle(
      InstanceSpec spec, FuelMeter meter, long counter, RuntimeException failure, long marshallingFuel) {
    long unused = spec.fastFuel() && failure != null && !endedAtAHostCall(pluginFailure(failure)) ? 0 : counter;
    try {
      meter.settle(unused);
    } catch (RuntimeException settleFailure) {
      if (failure == null) {
        throw settleFailure;
      }
      failure.addSuppressed(settleFailure);
    }
    // A meter whose ledger failed to take the remainder back is settled all the same (over-charged, never under).
    long used = meter.settled() ? meter.used() : -1;
    FuelListener listener = spec.fuelListener();
    if (listener != null && meter.settled()) {
      try {
        if (marshallingFuel < 0) {
          listener.settled(used, failure, true);
        } else {
          long marshalled = Math.min(marshallingFuel, used); // a trap under FAST charges what was drawn
          listener.settled(used - marshalled, failure, false);
          if (marshalled > 0) {
            listener.settled(marshalled, null, true);
          }
        }
      } catch (RuntimeException metricsFailure) {
        // Metrics must never change a call's outcome.
      }
    }
    return used;
  }

  private static boolean endedAtAHostCall(RuntimeException failure) {
    return failure instanceof GuestExitException
        || failure instanceof HostFunctionException
        || failure instanceof dev.terrarium.api.FuelExhaustedException
        || failure instanceof dev.terrarium.api.AbiViolationException;
  }

  /** The instance's fuel state, or {@code null} when it is not metered (for tests). */
  FuelState fuelState() {
    return fuel;
  }

  /** Returns the fuel the last metered call used, or -1 when none ran or the instance is not metered. */
  public long lastCallFuel() {
    return lastCallFuel;
  }

  private long[] invokeGuarded(
      Machine machine, int index, String name, long[] args, Resolved resolved, Object[] objects) {
    GuardedMemory m = memory;
    if (m != null && m.growRefused()) {
      m.resetRefusals();
    }
    Watchdog.Slot s = slot;
    s.enter();
    long[] r;
    try {
      r = run(machine, index, args, resolved, objects);
      drainOutput(spec);
    } catch (Throwable t) {
      drainOutputAfter(spec, t);
      // Exit exactly once: a second exit would clear an application's interrupt and unbalance nesting.
      throw fail(name, t, s.exit());
    }
    s.exit();
    return r == null ? NO_VALUES : r;
  }

  /**
   * Waits, inside the call's deadline, until the guest's pumped output is in the application's streams, so that a
   * call's output is complete when it returns.
   */
  private static void drainOutput(InstanceSpec spec) {
    Runnable drain = spec.outputDrain();
    if (drain != null) {
      drain.run();
    }
  }

  /**
   * As {@link #drainOutput}, for a call that failed with {@code failure} (what it wrote before a trap or {@code
   * proc_exit} is delivered too); a stop during the wait leaves the failure as it is.
   */
  private static void drainOutputAfter(InstanceSpec spec, Throwable failure) {
    if (spec.outputDrain() != null && !(failure instanceof dev.terrarium.host.internal.GuestStop)) {
      try {
        drainOutput(spec);
      } catch (dev.terrarium.host.internal.GuestStop stopped) {
        // stopped while waiting: the slot says why, and the call fails with that
      }
    }
  }

  /** Runs {@code call} on the configured guest thread and waits for it. */
  long[] onGuestThread(String name, Callable<long[]> call) {
    return runOn(pluginId, name, guestExecutor, call);
  }

  /**
   * Translates the failure of a call that ended as {@code stop} says ({@link Watchdog#ENDED} or why it was
   * stopped), breaking the instance if due.
   */
  PluginCallException fail(String function, Throwable t, int stop) {
    PluginCallException e =
        translate(pluginId, function, t, stop, slot, memory, spec.stackDescription());
    if (!e.instanceUsable()) {
      markBroken(e.code());
      logBroken(e);
    }
    return e;
  }

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host");

  /**
   * Logs that {@code e} broke this instance: at INFO, or at DEBUG when the application asked for it (a cancel) or
   * the guest ended as a command does ({@code proc_exit}).
   */
  private void logBroken(PluginCallException e) {
    System.Logger.Level level =
        e instanceof GuestExitException || e.code() == ErrorCode.CALL_CANCELLED
            ? System.Logger.Level.DEBUG
            : System.Logger.Level.INFO;
    if (LOG.isLoggable(level)) {
      InstanceSpec.Caller c = spec.caller();
      LOG.log(
          level,
          "instance " + c.instanceId() + " of plugin '" + pluginId + "'"
              + (c.tenant() == null ? "" : " (tenant '" + c.tenant() + "')") + " is broken: " + e.getMessage());
    }
  }

  private static PluginCallException translate(
      String pluginId,
      String function,
      Throwable t,
      int stop,
      Watchdog.Slot slot,
      GuardedMemory memory,
      String stack) {
    int reason = stop != Watchdog.ENDED ? stop : slot.stopReason();
    switch (reason) {
      case Watchdog.TIMED_OUT:
        return new CallTimeoutException(pluginId, function, slot.timeout(), t);
      case Watchdog.CANCELLED:
        return new CallCancelledException(
            ErrorCode.CALL_CANCELLED,
            pluginId,
            function,
            "the application cancelled it (PluginInstance.cancel or close from another thread).",
            t);
      case Watchdog.IDLE_TIMEOUT:
        return new CallCancelledException(
            ErrorCode.SESSION_IDLE,
            pluginId,
            function,
            "the session waited for input longer than its idle timeout of " + slot.idleTimeout() + ".",
            t);
      default:
        break;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HostFailure hf) {
        if (hf.getCause() instanceof PluginCallException pce) {
          return pce;
        }
        return new HostFunctionException(pluginId, function, hf.hostFunction, hf.getCause());
      }
      if (c instanceof Wasi.Exit exit) {
        return new GuestExitException(pluginId, function, exit.code());
      }
      if (c.getCause() == c) {
        break;
      }
    }
    if (t instanceof PluginCallException pce) {
      return pce;
    }
    if (t instanceof StackOverflowError) {
      return new StackExhaustedException(pluginId, function, stack, t);
    }
    if (t instanceof WasmInterruptedException || t instanceof dev.terrarium.host.internal.GuestStop) {
      Thread.currentThread().interrupt();
      return new CallInterruptedException(pluginId, function, t);
    }
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    if (Traps.isStackExhaustion(message)) {
      // The engine turns the JVM's StackOverflowError into this, under the compiler and the interpreter.
      return new StackExhaustedException(pluginId, function, stack, t);
    }
    if (t instanceof OutOfMemoryError) {
      return new MemoryLimitException(
          pluginId,
          function,
          memory == null ? 0 : memory.limitPages(),
          "the JVM ran out of heap while the guest ran (" + message + "); lower maxMemoryPages or give the JVM more heap",
          t);
    }
    TrapKind kind = Traps.classify(message);
    if (memory != null && memory.growRefused()) {
      return new MemoryLimitException(pluginId, function, memory.limitPages(), kind + ": " + message, t);
    }
    boolean trap =
        t instanceof TrapException || t instanceof UninstantiableException || t instanceof ArithmeticException;
    return new GuestTrapException(pluginId, function, kind, trap ? message : "the engine failed: " + t, t);
  }

  /**
   * Runs the WASI command's {@code _start}. Returns its exit code: 0 when it returns normally, otherwise the
   * code it passed to {@code proc_exit}. The instance is spent afterwards.
   */
  public int runCommand() {
    // A missing or ill-typed _start is the caller's mistake, found before anything runs: the instance stays
    // usable (CALL_BAD_EXPORT, as for any call); only a command that started is spent.
    ExportCall start = new ExportCall(this, "_start");
    if (!start.params().isEmpty() || !start.results().isEmpty()) {
      throw new BadExportException(
          pluginId,
          "_start",
          "the export '_start' has signature "
              + ImportDescription.signature(start.params(), start.results())
              + ", but a WASI command's _start takes no parameters and returns nothing. Call it with call(\"_start\", ...)"
              + " if it is meant as an ordinary function, or rebuild the plugin as a WASI command.");
    }
    try {
      start.call();
      return 0;
    } catch (GuestExitException e) {
      return e.exitCode();
    } finally {
      if (unusable == null) {
        markUnusable("has already run its command");
      }
    }
  }

  /**
   * Runs the command's {@code _start} as a session: its deadline instead of the per-call one, its fuel cap instead
   * of the per-call cap, and its idle timeout on {@code stdin} (the instance's input pump, or {@code null} when
   * its input cannot block).
   */
  public int runSession(
      java.time.Duration idleTimeout,
      java.time.Duration deadline,
      Long maxFuel,
      dev.terrarium.host.internal.InputPump stdin) {
    slot.deadline(deadline);
    slot.idleTimeout(idleTimeout);
    if (stdin != null && idleTimeout != null) {
      stdin.idleTimeout(idleTimeout.toNanos(), () -> slot.cancel(Watchdog.IDLE_TIMEOUT));
    }
    if (fuel != null) {
      fuel.account.beginSession(maxFuel);
    }
    try {
      return runCommand();
    } finally {
      if (fuel != null) {
        fuel.account.endSession();
      }
      if (stdin != null) {
        stdin.idleTimeout(0, null);
      }
      slot.restoreDeadline();
    }
  }

  /** Returns the instance's WASI, or {@code null} when it imports none. */
  public Wasi wasi() {
    return wasi;
  }

  /** Returns the memory size in pages, or 0 when the module has no memory. */
  public int memoryPages() {
    return instance.memory() == null ? 0 : instance.memory().pages();
  }

  /** Returns a bounds-checked view of the instance's memory. */
  public GuestMemory memory() {
    return guestMemory(pluginId, instance);
  }

  static GuestMemory guestMemory(String pluginId, Instance instance) {
    if (instance.memory() == null) {
      throw new AbiViolationException(pluginId, "the module has no memory");
    }
    return new EngineGuestMemory(pluginId, instance.memory());
  }

  /** Returns the handle of {@code object} in this instance's externref table (see {@link WasmType#EXTERNREF}). */
  public long externRef(Object object) {
    return refs.handle(object);
  }

  /**
   * Returns the object under an externref handle of this instance, or null for {@link WasmType#NULL_REF}.
   *
   * @throws IllegalArgumentException when {@code handle} is not one of this instance's handles
   */
  public Object externObject(long handle) {
    return refs.object(handle);
  }

  /** Returns the exported global {@code name}, or throws {@link BadExportException}. */
  private GlobalInstance exportedGlobal(String name) {
    var export = artifact.description.export(name);
    if (export.isEmpty() || !export.get().kind().equals("global")) {
      throw new BadExportException(
          pluginId,
          name,
          (export.isEmpty()
                  ? "the module has no export named '" + name + "'"
                  : "the export '" + name + "' is a " + export.get().kind() + ", not a global")
              + ". Its global exports are: "
              + String.join(
                  ", ",
                  artifact.description.exports().stream()
                      .filter(e -> e.kind().equals("global"))
                      .map(ExportDescription::name)
                      .toList())
              + ".");
    }
    return instance.exports().global(name);
  }

  /** Returns the type of the exported global {@code name}. */
  public WasmType globalType(String name) {
    GlobalInstance g = exportedGlobal(name);
    WasmType type = Engine.toWasmType(g.getType());
    if (type == null) {
      throw new BadExportException(
          pluginId, name, "the global '" + name + "' has type " + g.getType() + ", which cannot cross the boundary.");
    }
    return type;
  }

  /** Returns whether the exported global {@code name} is mutable. */
  public boolean globalMutable(String name) {
    return exportedGlobal(name).getMutabilityType() == MutabilityType.Var;
  }

  /** Returns the value of the exported global {@code name}, encoded as {@link WasmType} describes. */
  public long global(String name) {
    WasmType type = globalType(name);
    GlobalInstance g = exportedGlobal(name);
    return switch (type) {
      case I32 -> (int) g.getValue();
      case F32 -> g.getValue() & 0xFFFFFFFFL;
      case I64, F64 -> g.getValue();
      case FUNCREF -> (int) g.getValue() < 0 ? WasmType.NULL_REF : g.getValue();
      case EXTERNREF -> refs.handle(g.getRefValue());
    };
  }

  /**
   * Sets the mutable exported global {@code name} to {@code value}, encoded as {@link WasmType} describes.
   *
   * @throws BadExportException when it is not a mutable global, or the value is not one of its type
   */
  public void setGlobal(String name, long value) {
    WasmType type = globalType(name);
    GlobalInstance g = exportedGlobal(name);
    if (g.getMutabilityType() != MutabilityType.Var) {
      throw new BadExportException(pluginId, name, "the global '" + name + "' is immutable.");
    }
    try {
      switch (type) {
        case I32 -> g.setValue((int) value);
        case F32 -> g.setValue(value & 0xFFFFFFFFL);
        case I64, F64 -> g.setValue(value);
        case FUNCREF -> {
          RefValues.checkFunction(instance, value, "the value");
          g.setValue(value);
        }
        case EXTERNREF -> {
          Object object = refs.object(value);
          g.setRefValue(object);
          g.setValue(object == null ? WasmType.NULL_REF : 0);
        }
      }
    } catch (IllegalArgumentException e) {
      throw new BadExportException(pluginId, name, e.getMessage() + ".");
    }
  }

  /** Marks the instance broken by a failure found outside the engine, e.g. an ABI violation. */
  public void markBroken(ErrorCode code) {
    if (unusable == null) {
      markUnusable("was broken by an earlier failure (" + code + ")");
    }
  }

  /** Marks the instance broken by {@code failure}, found outside the engine (an ABI violation), and logs it. */
  public void markBroken(PluginCallException failure) {
    boolean wasUsable = unusable == null;
    markBroken(failure.code());
    if (wasUsable) {
      logBroken(failure);
    }
  }

  /** Returns whether this instance runs compiled code (its artifact's tier, fixed for its life). */
  public boolean compiled() {
    return artifact.compiled();
  }

  /** Returns the plugin's id. */
  public String pluginId() {
    return pluginId;
  }

  /** Returns why the instance refuses calls, or {@code null} when it is usable. */
  public String unusableReason() {
    String u = unusable;
    if (u == null || !u.startsWith("was closed")) {
      // A cancelled call breaks the instance too; the cancel is the better explanation.
      switch (slot.cancelled()) {
        case Watchdog.CANCELLED:
          return "was cancelled";
        case Watchdog.IDLE_TIMEOUT:
          return "ended its session, idle for longer than " + slot.idleTimeout();
        default:
          break;
      }
    }
    return u;
  }

  /**
   * Cancels the instance from any thread: a running call is interrupted and fails with {@link
   * CallCancelledException}, and every later call is refused. Returns at once.
   */
  public void cancel() {
    slot.cancel(Watchdog.CANCELLED);
  }

  /** Waits until no call of this instance runs, at most {@code timeout}; returns whether none runs. */
  public boolean awaitIdle(java.time.Duration timeout) throws InterruptedException {
    return slot.awaitIdle(timeout);
  }

  /** The instance's deadline and cancellation state. */
  Watchdog.Slot slot() {
    return slot;
  }

  /** How long {@link #close} waits for a call running on another thread to end after cancelling it. */
  public static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(5);

  @Override
  public void close() {
    if (slot.runningElsewhere()) {
      // A call runs on another thread: stop it before its resources go.
      slot.cancel(Watchdog.CANCELLED);
      try {
        slot.awaitIdle(CLOSE_WAIT);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (unusable == null || !unusable.startsWith("was closed")) {
      markUnusable("was closed");
    }
    if (fuel != null) {
      try {
        fuel.account.close(); // the fuel leased for the next call goes back to the tenant
      } catch (RuntimeException ledgerFailure) {
        // The ledger keeps the lease as spent: the tenant is over-charged by at most one slice, never under.
      }
    }
    if (wasi != null) {
      wasi.close();
    }
    slot.close();
    refs.clear();
    context.close();
  }

}
