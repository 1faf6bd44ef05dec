package dev.terrarium.api.abi;

/** An exported guest function, looked up and type-checked once, called with values encoded as WasmType says. */
@FunctionalInterface
public interface ExportHandle {
  long[] call(long... args);
}
