package dev.terrarium.host;

/** How the engine runs guest code. */
public enum ExecutionMode {
  /** Compile WebAssembly to JVM bytecode once per module (the default; fastest). */
  COMPILER,
  /** Interpret WebAssembly (no compilation; slower calls, faster loading). */
  INTERPRETER
}
