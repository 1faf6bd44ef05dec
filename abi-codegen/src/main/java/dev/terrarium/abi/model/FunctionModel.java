package dev.terrarium.abi.model;

import dev.terrarium.api.WasmType;
import java.util.ArrayList;
import java.util.List;

/**
 * One method of an annotated interface, as a wasm function.
 *
 * @param javaName the Java method name
 * @param wasmName the wasm import field or export name
 * @param params the parameters
 * @param result the result type ({@link AbiType.Void} for none)
 * @param fallible whether it declares {@code throws PluginError}, which adds the error-slot parameter
 * @param optional whether plugins may lack it: a {@code default} method of a {@code @PluginExports} interface, which
 *     the proxy runs when the plugin does not export the function
 */
public record FunctionModel(
    String javaName, String wasmName, List<ParamModel> params, AbiType result, boolean fallible, boolean optional) {
  public FunctionModel {
    params = List.copyOf(params);
  }

  /** A required function. */
  public FunctionModel(String javaName, String wasmName, List<ParamModel> params, AbiType result, boolean fallible) {
    this(javaName, wasmName, params, result, fallible, false);
  }

  /** The flattened wasm parameter types, the error slot last when fallible. */
  public List<WasmType> wasmParams() {
    List<WasmType> out = new ArrayList<>();
    for (ParamModel p : params) {
      out.addAll(p.type().wasmParams());
    }
    if (fallible) {
      out.add(WasmType.I32);
    }
    return out;
  }

  /** The wasm result types. */
  public List<WasmType> wasmResults() {
    return result.wasmResults();
  }
}
