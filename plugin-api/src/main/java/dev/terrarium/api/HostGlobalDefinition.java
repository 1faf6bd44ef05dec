package dev.terrarium.api;

import java.util.Objects;

/**
 * A global that guests may import: {@code (import "module" "name" (global (mut)? type))}. Every instance gets its
 * own copy, initialised to {@code value}: a mutable one changed by one instance is never seen by another.
 *
 * @param module the import module name (registering the global grants it, as for host functions)
 * @param name the import field name
 * @param type the value type; a {@code funcref} or {@code externref} global can only start null
 * @param mutable whether the guest may set it ({@code (mut type)})
 * @param value the initial value, encoded as {@link WasmType} describes
 */
public record HostGlobalDefinition(String module, String name, WasmType type, boolean mutable, long value) {
  public HostGlobalDefinition {
    HostFunctionDefinition.checkModuleAndName("host global", module, name);
    Objects.requireNonNull(type, "type");
    if (type.isReference() && value != WasmType.NULL_REF) {
      throw new IllegalArgumentException(
          "host global " + module + "." + name + " is a " + type.wasmName() + ": it can only start null ("
              + WasmType.NULL_REF + "), since references belong to one instance; was " + value);
    }
    if (type == WasmType.I32 && (value < Integer.MIN_VALUE || value > 0xFFFFFFFFL)) {
      throw new IllegalArgumentException(
          "host global " + module + "." + name + " is an i32 but its value " + value + " does not fit 32 bits");
    }
  }

  /** Returns {@code module.name}. */
  public String qualifiedName() {
    return module + "." + name;
  }

  /** Returns the type in WebAssembly text form, e.g. {@code i32} or {@code (mut i64)}. */
  public String typeName() {
    return mutable ? "(mut " + type.wasmName() + ")" : type.wasmName();
  }
}
