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
    Function<Instance, Machine> factory = null;
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
    return new EngineArtifact(module, description, factory);
  }
}
