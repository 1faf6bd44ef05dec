package dev.terrarium.host.engine;

import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.ModuleDescription;
import java.util.function.Function;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/** A parsed and validated module, not yet compiled. */
public final class ParsedModule {
  private final WasmModule module;
  private final ModuleDescription description;

  ParsedModule(WasmModule module, ModuleDescription description) {
    this.module = module;
    this.description = description;
  }

  public ModuleDescription description() {
    return description;
  }

  /** Compiles the module for {@code mode}: to JVM bytecode for the compiler, nothing for the interpreter. */
  public EngineArtifact compile(String pluginId, ExecutionMode mode) {
    return compile(pluginId, mode, description, -1);
  }

  /**
   * Compiles this module, which is a rewrite of a module described by {@code original} that changes no import or
   * export (the float rewrite): the artifact describes the original.
   */
  public EngineArtifact compileRewritten(String pluginId, ExecutionMode mode, ModuleDescription original) {
    return compile(pluginId, mode, original, -1);
  }

  /**
   * Compiles this module, which is the fuel-metered rewrite of a module described by {@code original}: the
   * artifact describes the original (the injected import and global are Terrarium's, not the plugin's) and
   * knows its fuel counter global.
   */
  public EngineArtifact compileMetered(String pluginId, ExecutionMode mode, ModuleDescription original) {
    // The rewriter appends the counter after every other global: it is the last one.
    int counter =
        module.importSection().count(run.endive.wasm.types.ExternalType.GLOBAL)
            + module.globalSection().globals().length
            - 1;
    return compile(pluginId, mode, original, counter);
  }

  /**
   * Whether a metered module's fuel counter becomes a field of its compiled machine ({@link FuelField}); the system
   * property {@code terrarium.fuelField=false} keeps it a global, for comparison.
   */
  static final boolean FUEL_FIELD = !"false".equals(System.getProperty("terrarium.fuelField"));

  private EngineArtifact compile(String pluginId, ExecutionMode mode, ModuleDescription described, int counter) {
    Function<Instance, Machine> factory = null;
    if (mode == ExecutionMode.COMPILER && counter >= 0 && FUEL_FIELD) {
      try {
        factory = FuelField.compile(module, counter);
      } catch (RuntimeException | LinkageError e) {
        factory = null; // compiled as usual below, with the counter a global
      }
      if (factory != null) {
        return new EngineArtifact(module, described, factory, counter, true);
      }
    }
    if (mode == ExecutionMode.COMPILER) {
      try {
        factory =
            MachineFactoryCompiler.builder(module)
                .withInterpreterFallback(InterpreterFallback.SILENT)
                .compile();
      } catch (RuntimeException | LinkageError e) {
        throw Engine.unsupported(pluginId, "compiling the module to JVM bytecode failed", e);
      }
    }
    return new EngineArtifact(module, described, factory, counter, false);
  }
}
