package dev.terrarium.host;

import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.WasmType;
import java.util.List;
import java.util.Objects;

/**
 * One import of a module.
 *
 * @param module the import module, e.g. {@code wasi_snapshot_preview1}
 * @param name the field name, e.g. {@code fd_write}
 * @param kind {@code function}, {@code memory}, {@code table}, {@code global} or {@code tag}
 * @param params for a function whose types are all {@link WasmType}s, its parameter types; otherwise empty
 * @param results for a function whose types are all {@link WasmType}s, its result types; otherwise empty
 * @param signature the type in text form: a function's as the engine prints it (also for other types), a
 *     global's as {@code i32} or {@code (mut i32)}, a memory's limits as {@code 1..16} (pages; {@code 1..} when it
 *     has no maximum, with {@code shared} after a shared one), a table's as {@code 1..10 funcref}
 * @param valueType a global's value type or a table's element type; {@code null} for other kinds and for types
 *     that no {@link WasmType} names
 * @param mutable whether a global import is mutable
 * @param min a memory's initial pages or a table's initial elements; 0 for other kinds
 * @param max a memory's maximum pages or a table's maximum elements; -1 when it has none, or for other kinds
 * @param shared whether a memory import is shared (threads)
 */
public record ImportDescription(
    String module,
    String name,
    String kind,
    List<WasmType> params,
    List<WasmType> results,
    String signature,
    WasmType valueType,
    boolean mutable,
    long min,
    long max,
    boolean shared) {
  public ImportDescription {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    params = List.copyOf(params);
    results = List.copyOf(results);
    Objects.requireNonNull(signature, "signature");
  }

  /** A function import (or any import described by its signature alone). */
  public ImportDescription(
      String module, String name, String kind, List<WasmType> params, List<WasmType> results, String signature) {
    this(module, name, kind, params, results, signature, null, false, 0, -1, false);
  }

  /** Returns whether this is a function import. */
  public boolean isFunction() {
    return "function".equals(kind);
  }

  /** Returns whether this function import's signature equals the given one. */
  public boolean matches(HostFunctionDefinition definition) {
    return isFunction()
        && definition.signature().equals(signature)
        && params.equals(definition.params())
        && results.equals(definition.results());
  }

  /** Returns whether this is a function import with exactly these number types. */
  public boolean matches(List<WasmType> functionParams, List<WasmType> functionResults) {
    return isFunction()
        && signature.equals(signature(functionParams, functionResults))
        && params.equals(functionParams)
        && results.equals(functionResults);
  }

  /** Returns a signature in the form this record uses, e.g. {@code (i32, i64) -> (i32)}. */
  public static String signature(List<WasmType> params, List<WasmType> results) {
    return "("
        + String.join(", ", params.stream().map(WasmType::wasmName).toList())
        + ") -> ("
        + String.join(", ", results.stream().map(WasmType::wasmName).toList())
        + ")";
  }

  @Override
  public String toString() {
    return kind + " " + module + "." + name + (signature.isEmpty() ? "" : " " + signature);
  }
}
