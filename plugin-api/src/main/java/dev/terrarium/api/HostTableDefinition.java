package dev.terrarium.api;

import java.util.Objects;

/**
 * A table that guests may import: {@code (import "module" "name" (table min max? elementType))}. Every instance
 * gets a fresh table of {@code min} null elements, which may grow to {@code max}; its elements count towards the
 * instance's {@link PluginLimits#maxTableElements}.
 *
 * @param module the import module name (registering the table grants it, as for host functions)
 * @param name the import field name
 * @param elementType {@link WasmType#FUNCREF} or {@link WasmType#EXTERNREF}
 * @param min the initial number of elements
 * @param max the most elements it may grow to, or {@code null} for no bound but the table limit
 */
public record HostTableDefinition(String module, String name, WasmType elementType, int min, Integer max) {
  public HostTableDefinition {
    HostFunctionDefinition.checkModuleAndName("host table", module, name);
    Objects.requireNonNull(elementType, "elementType");
    if (!elementType.isReference()) {
      throw new IllegalArgumentException(
          "host table " + module + "." + name + " must hold funcref or externref, not " + elementType.wasmName());
    }
    if (min < 0 || (max != null && max < min)) {
      throw new IllegalArgumentException(
          "host table " + module + "." + name + " needs 0 <= min <= max, was min " + min + ", max " + max);
    }
  }

  /** Returns {@code module.name}. */
  public String qualifiedName() {
    return module + "." + name;
  }

  /** Returns the type in WebAssembly text form, e.g. {@code 1..10 funcref}. */
  public String typeName() {
    return min + ".." + (max == null ? "" : max) + " " + elementType.wasmName();
  }
}
