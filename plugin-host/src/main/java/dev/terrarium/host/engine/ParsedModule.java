package dev.terrarium.host.engine;

import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.ModuleDescription;
import java.util.function.Function;
import run.endive.compiler.Cache;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.compiler.internal.ClassLoadingCollector;
import run.endive.compiler.internal.Compiler;
import run.endive.compiler.internal.CompilerResult;
import run.endive.compiler.internal.MachineFactory;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/** A parsed and validated module, not yet compiled. */
public final class ParsedModule {
  private final WasmModule module;
  private final ModuleDescription description;
  /** Whether the module has all its function bodies ({@link Engine#parseWithoutBodies} leaves most out). */
  private final boolean bodies;

  ParsedModule(WasmModule module, ModuleDescription description, boolean bodies) {
    this.module = module;
    this.description = description;
    this.bodies = bodies;
  }

  /** Returns whether this module has all its function bodies, so that it can be compiled or interpreted. */
  public boolean hasBodies() {
    return bodies;
  }

  public ModuleDescription description() {
    return description;
  }

  /** Compiles the module for {@code mode}: to JVM bytecode for the compiler, nothing for the interpreter. */
  public EngineArtifact compile(String pluginId, ExecutionMode mode) {
    return compile(pluginId, mode, description, -1, false);
  }

  /**
   * Compiles this module, which is a rewrite of a module described by {@code original} that changes no import or
   * export (the float rewrite): the artifact describes the original.
   */
  public EngineArtifact compileRewritten(String pluginId, ExecutionMode mode, ModuleDescription original) {
    return compile(pluginId, mode, original, -1, false);
  }

  /**
   * Compiles this module, which is the fuel-metered rewrite of a module described by {@code original}: the
   * artifact describes the original (the injected import and global are Terrarium's, not the plugin's) and
   * knows its fuel counter global.
   */
  public EngineArtifact compileMetered(String pluginId, ExecutionMode mode, ModuleDescription original) {
    return compileMetered(pluginId, mode, original, FUEL_FIELD);
  }

  /**
   * Like {@link #compileMetered(String, ExecutionMode, ModuleDescription)}, with the counter a machine field
   * ({@link FuelField}) only when {@code fuelField}.
   */
  public EngineArtifact compileMetered(
      String pluginId, ExecutionMode mode, ModuleDescription original, boolean fuelField) {
    return compile(pluginId, mode, original, counterGlobal(), fuelField);
  }

  /**
   * Whether a metered module's fuel counter becomes a field of its compiled machine ({@link FuelField}) by default;
   * the system property {@code terrarium.fuelField=false} keeps it a global, for comparison. A host reads the
   * property when it is built ({@link #fuelFieldProperty()}); this is the value at class initialisation.
   */
  static final boolean FUEL_FIELD = fuelFieldProperty();

  /** Returns whether the system property {@code terrarium.fuelField} asks for the counter as a field (now). */
  public static boolean fuelFieldProperty() {
    return !"false".equals(System.getProperty("terrarium.fuelField"));
  }

  private EngineArtifact compile(
      String pluginId, ExecutionMode mode, ModuleDescription described, int counter, boolean fuelField) {
    return compile(pluginId, mode, described, counter, fuelField, false, false).artifact();
  }

  /**
   * Compiles this module (which the host may have rewritten; the artifact describes {@code original}), and when
   * {@code keepClasses} also returns the generated classes in Endive's class-jar format, for the persistent cache
   * ({@link #restore}) or a precompiled plugin.
   *
   * @param metered whether this is the fuel-metered rewrite (its counter is the last global)
   * @param fuelField whether a metered module's counter should become a machine field ({@link FuelField})
   * @param trapFlush whether the module was rewritten with trap flushing ({@code FuelRewriter.rewriteWithTrapFlush}):
   *     its classes then get {@link TrapFlush}'s handlers. Such a module can only run as compiled with them: returns
   *     {@code null} when that is not possible (the caller rewrites the module without trap flushing)
   */
  public Compilation compile(
      String pluginId,
      ExecutionMode mode,
      ModuleDescription original,
      boolean metered,
      boolean fuelField,
      boolean keepClasses,
      boolean trapFlush) {
    int counter = metered ? counterGlobal() : -1;
    if (trapFlush && (mode != ExecutionMode.COMPILER || counter < 0 || !fuelField)) {
      return null;
    }
    return compile(pluginId, mode, original, counter, fuelField, keepClasses, trapFlush);
  }

  private int counterGlobal() {
    // The rewriter appends the counter after every other global: it is the last one.
    return module.importSection().count(run.endive.wasm.types.ExternalType.GLOBAL)
        + module.globalSection().globals().length
        - 1;
  }

  private Compilation compile(
      String pluginId,
      ExecutionMode mode,
      ModuleDescription described,
      int counter,
      boolean fuelField,
      boolean keepClasses,
      boolean trapFlush) {
    if (!bodies) {
      throw new IllegalStateException("a module parsed without its function bodies cannot be compiled or interpreted");
    }
    Function<Instance, Machine> factory = null;
    if (mode == ExecutionMode.COMPILER && counter >= 0 && fuelField) {
      FuelField.Compiled compiled;
      try {
        compiled = FuelField.compileMeasured(module, counter, trapFlush);
      } catch (RuntimeException | LinkageError e) {
        compiled = null; // compiled as usual below, with the counter a global
      }
      if (compiled != null) {
        HugeMethods.warnIfAny(pluginId, compiled.classes());
        EngineArtifact a =
            new EngineArtifact(
                module, described, compiled.factory(), counter, true, weight(compiled.classBytes()), trapFlush);
        // Compiled with no interpreter fallback: every function is JVM bytecode.
        return new Compilation(a, keepClasses ? compiled.jar() : null, compiled.classBytes(), new int[0]);
      }
      if (trapFlush) {
        return null; // its counters would be lost at a trap anywhere else
      }
    }
    long classBytes = 0;
    byte[] jar = null;
    int[] interpreted = null;
    if (mode == ExecutionMode.COMPILER) {
      try {
        // What MachineFactoryCompiler.compile() does, through Endive's exported internal API, which also tells the
        // functions left to the interpreter (too large for a JVM method) and shows the generated class files.
        CompilerResult result =
            Compiler.builder(module)
                .withInterpreterFallback(InterpreterFallback.SILENT)
                .withClassCollectorFactory(ClassLoadingCollector::new)
                .build()
                .compile();
        ClassLoadingCollector collector = (ClassLoadingCollector) result.collector();
        classBytes = ClassBytes.size(collector.classBytes().values());
        HugeMethods.warnIfAny(pluginId, collector.classBytes().values());
        factory = new MachineFactory(module, collector.machineFactory());
        interpreted = interpretedBodies(result.interpretedFunctions());
        // Endive's class cache is keyed by the module's digest; without one (the parser told not to digest) the
        // classes could not be loaded back, and none are kept.
        if (keepClasses && module.digest() != null) {
          jar = ClassBytes.jar(collector.mainClassName(), collector.classBytes());
        }
      } catch (RuntimeException | LinkageError e) {
        throw Engine.unsupported(pluginId, "compiling the module to JVM bytecode failed", e);
      }
    }
    return new Compilation(
        new EngineArtifact(module, described, factory, counter, false, weight(classBytes), false),
        jar,
        classBytes,
        interpreted);
  }

  /** The number of functions the module imports (its defined functions' indices start after them). */
  private int functionImports() {
    return module.importSection().count(run.endive.wasm.types.ExternalType.FUNCTION);
  }

  /**
   * Returns the positions in the code section of the functions {@code interpreted} (module function indices) that
   * the compiled classes leave to Endive's interpreter, or {@code null} when a load of those classes needs every
   * body: when an interpreted function makes a tail call or a call through a reference, which Endive's interpreter
   * may carry out by interpreting the callee's body even where it was compiled.
   */
  private int[] interpretedBodies(java.util.Set<Integer> interpreted) {
    int imports = functionImports();
    int[] defined = interpreted.stream().mapToInt(i -> i - imports).filter(i -> i >= 0).sorted().toArray();
    for (int f : defined) {
      for (var instruction : module.codeSection().getFunctionBody(f).instructions()) {
        if (INTERPRETED_CALLS.contains(instruction.opcode())) {
          return null;
        }
      }
    }
    return defined;
  }

  private static final java.util.Set<run.endive.wasm.types.OpCode> INTERPRETED_CALLS =
      java.util.EnumSet.of(
          run.endive.wasm.types.OpCode.RETURN_CALL,
          run.endive.wasm.types.OpCode.RETURN_CALL_INDIRECT,
          run.endive.wasm.types.OpCode.CALL_REF,
          run.endive.wasm.types.OpCode.RETURN_CALL_REF);

  /**
   * Rebuilds the artifact {@link #compile(String, ExecutionMode, ModuleDescription, boolean, boolean, boolean,
   * boolean)}
   * made, from the classes it kept, without generating bytecode: each class is defined when first used ({@link
   * StoredClasses}). This must be the module (the same rewritten bytes) they were compiled from, or that module
   * parsed without the bodies the classes replace.
   *
   * @throws RuntimeException or {@link LinkageError} when the classes cannot be loaded
   */
  public EngineArtifact restore(
      ModuleDescription original, boolean metered, boolean fuelInMachine, byte[] jar, long classBytes) {
    java.util.Objects.requireNonNull(jar, "jar");
    Function<Instance, Machine> factory;
    try {
      // What Endive's class-cache path makes (MachineFactoryCompiler with a Cache), but with each class defined when
      // first used (StoredClasses).
      factory = new MachineFactory(module, StoredClasses.machineFactory(jar));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the stored classes cannot make a machine: " + e, e);
    }
    int counter = metered ? counterGlobal() : -1;
    return new EngineArtifact(
        module, original, factory, counter, metered && fuelInMachine, weight(classBytes), false);
  }

  /** Endive's class cache for one module: answers {@code stored} (or nothing), and catches what it is given. */
  static final class JarCache implements Cache {
    private final byte[] stored;
    private final byte[][] given;

    JarCache(byte[] stored, byte[][] given) {
      this.stored = stored;
      this.given = given;
    }

    @Override
    public byte[] get(String key) {
      return stored;
    }

    @Override
    public void putIfAbsent(String key, byte[] data) {
      given[0] = data;
    }
  }

  /**
   * Estimates the heap and metaspace an artifact of this module keeps alive, in bytes: the module binary (its data
   * segments and custom sections stay in the parsed module), {@value #BYTES_PER_MODULE} bytes of parsed-module
   * overhead, {@value #BYTES_PER_INSTRUCTION} bytes of heap per parsed instruction, and for compiled code {@value
   * #BYTES_PER_CLASS_BYTE} bytes of metaspace and heap per byte of the generated class files ({@code classBytes};
   * when the compiler handed over none, -1, they are estimated as {@value #CLASS_BYTES_PER_MODULE} bytes plus
   * {@value #CLASS_BYTES_PER_INSTRUCTION} per instruction). The factors were measured on sample modules with
   * JDK 17 (heap after GC and metaspace used, per module; docs/architecture.md, "Decisions").
   */
  long weight(long classBytes) {
    long instructions = 0;
    for (var body : module.codeSection().functionBodies()) {
      instructions += body.instructions().size();
    }
    long classes =
        classBytes >= 0 ? classBytes : CLASS_BYTES_PER_MODULE + instructions * CLASS_BYTES_PER_INSTRUCTION;
    return description.size()
        + BYTES_PER_MODULE
        + instructions * BYTES_PER_INSTRUCTION
        + classes * BYTES_PER_CLASS_BYTE;
  }

  static final long BYTES_PER_MODULE = 4096;
  static final long BYTES_PER_INSTRUCTION = 80;
  static final long BYTES_PER_CLASS_BYTE = 2;
  static final long CLASS_BYTES_PER_MODULE = 50_000;
  static final long CLASS_BYTES_PER_INSTRUCTION = 8;
}
