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
 * @param params for a function whose types are all numbers, its parameter types; otherwise empty
 * @param results for a function whose types are all numbers, its result types; otherwise empty
 * @param signature the signature as the engine prints it (also for non-numeric types)
 */
public record ImportDescription(
    String module, String name, String kind, List<WasmType> params, List<WasmType> results, String signature) {
  public ImportDescription {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    params = List.copyOf(params);
    results = List.copyOf(results);
    Objects.requireNonNull(signature, "signature");
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
    return kind + " " + module + "." + name + (isFunction() ? " " + signature : "");
  }
}
