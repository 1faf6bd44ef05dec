package dev.terrarium.host.engine;

import dev.terrarium.host.ModuleDescription;
import java.util.function.Function;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/**
 * A module ready to instantiate: parsed, validated and (for the compiler) compiled. Immutable and shared by
 * every plugin loaded from the same bytes with the same engine configuration.
 */
public final class EngineArtifact {
  final WasmModule module;
  final ModuleDescription description;
  final Function<Instance, Machine> machineFactory;
  /** The index of the injected fuel counter global, or -1 when the module is not metered. */
  final int fuelCounter;
  /**
   * Whether the compiled machine holds the fuel counter as a field ({@link FuelField}): the machine is then a
   * {@link java.util.function.LongSupplier} and {@link java.util.function.LongConsumer} of the counter, and the
   * global is unused.
   */
  final boolean fuelInMachine;
  /** Whether its compiled functions keep the counter in locals, stored by {@link TrapFlush}'s handlers at a trap. */
  private final boolean trapFlush;
  private final long weight;

  EngineArtifact(
      WasmModule module,
      ModuleDescription description,
      Function<Instance, Machine> machineFactory,
      int fuelCounter,
      boolean fuelInMachine,
      long weight,
      boolean trapFlush) {
    this.trapFlush = trapFlush;
    this.module = module;
    this.description = description;
    this.machineFactory = machineFactory;
    this.fuelCounter = fuelCounter;
    this.fuelInMachine = fuelInMachine;
    this.weight = weight;
  }

  /**
   * Returns an estimate, in bytes, of the heap and metaspace this artifact keeps alive: the module binary, the
   * parsed module, and for compiled code its generated classes (see {@code ParsedModule#weight}).
   */
  public long weight() {
    return weight;
  }

  /** Returns whether the module was rewritten to meter fuel. */
  public boolean metered() {
    return fuelCounter >= 0;
  }

  /**
   * Returns whether this compilation keeps EXACT counters in locals and stores them at a trap ({@link TrapFlush});
   * not known (false) for one restored from the cache's directory.
   */
  public boolean trapFlush() {
    return trapFlush;
  }

  /** Returns whether the fuel counter is a field of the compiled machine ({@link FuelField}). */
  public boolean fuelInMachine() {
    return fuelInMachine;
  }

  public ModuleDescription description() {
    return description;
  }

  /** Returns whether guest code runs as compiled JVM bytecode (otherwise it is interpreted). */
  public boolean compiled() {
    return machineFactory != null;
  }
}
