package dev.terrarium.api;

import java.util.List;
import java.util.Objects;

/**
 * A host function as guests import it: {@code (import "module" "name" (func (param ...) (result ...)))}.
 *
 * @param module the import module name
 * @param name the import field name
 * @param params the parameter types
 * @param results the result types
 * @param implementation the Java code that runs
 */
public record HostFunctionDefinition(
    String module, String name, List<WasmType> params, List<WasmType> results, HostFunction implementation) {
  public HostFunctionDefinition {
    checkModuleAndName("host function", module, name);
    Objects.requireNonNull(implementation, "implementation");
    params = List.copyOf(params);
    results = List.copyOf(results);
  }

  /** Checks the module and name of a host import ({@code what}: "host function", "host global", ...). */
  static void checkModuleAndName(String what, String module, String name) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(name, "name");
    if (module.isBlank() || name.isBlank()) {
      throw new IllegalArgumentException(what + " module and name must not be blank");
    }
    if (module.startsWith("wasi_")) {
      throw new IllegalArgumentException(
          "host module '" + module + "' is reserved for WASI; choose another module name");
    }
    if (module.startsWith("terrarium_")) {
      throw new IllegalArgumentException(
          "host module '" + module + "' is reserved for Terrarium's own imports (fuel); choose another module name");
    }
  }

  /** Returns {@code module.name}. */
  public String qualifiedName() {
    return module + "." + name;
  }

  /** Returns the signature in WebAssembly text form, e.g. {@code (i32, i32) -> (i64)}. */
  public String signature() {
    return signature(params, results);
  }

  /** Formats a signature in WebAssembly text form. */
  public static String signature(List<WasmType> params, List<WasmType> results) {
    return "("
        + String.join(", ", params.stream().map(WasmType::wasmName).toList())
        + ") -> ("
        + String.join(", ", results.stream().map(WasmType::wasmName).toList())
        + ")";
  }
}
