package dev.terrarium.abi.model;

import java.util.List;

/**
 * An annotated interface, analysed and validated; the writers only read it.
 *
 * @param kind host imports or plugin exports
 * @param packageName the Java package
 * @param simpleName the interface's simple name
 * @param nestedName the names of enclosing types and the interface, joined with {@code _} (for generated names)
 * @param qualifiedName the canonical name
 * @param wasmModule for host imports, the wasm import module; for exports, {@code null}
 * @param prefix for exports, the prefix of every export name; for imports, empty
 * @param functions the methods, in declaration order
 * @param records every record reachable from the functions, dependencies first
 * @param enums every enum reachable from the functions
 * @param version the interface's version ({@code @PluginExports(version = N)}; 1 for host imports)
 */
public record InterfaceModel(
    Kind kind,
    String packageName,
    String simpleName,
    String nestedName,
    String qualifiedName,
    String wasmModule,
    String prefix,
    List<FunctionModel> functions,
    List<RecordModel> records,
    List<EnumModel> enums,
    int version) {

  /** Which side implements the interface. */
  public enum Kind {
    /** The host implements it; plugins import it. */
    HOST_IMPORTS,
    /** The plugin implements it; the host calls it. */
    PLUGIN_EXPORTS
  }

  public InterfaceModel {
    functions = List.copyOf(functions);
    records = List.copyOf(records);
    enums = List.copyOf(enums);
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, was " + version);
    }
  }

  /** An interface of version 1. */
  public InterfaceModel(
      Kind kind,
      String packageName,
      String simpleName,
      String nestedName,
      String qualifiedName,
      String wasmModule,
      String prefix,
      List<FunctionModel> functions,
      List<RecordModel> records,
      List<EnumModel> enums) {
    this(kind, packageName, simpleName, nestedName, qualifiedName, wasmModule, prefix, functions, records, enums, 1);
  }

  /** Whether any function passes more than numbers (the guest must then export memory, alloc, dealloc). */
  public boolean needsMemory() {
    return functions.stream()
        .anyMatch(f -> f.fallible() || f.result().inMemory() || f.params().stream().anyMatch(p -> p.type().inMemory()));
  }

  /** The name of the generated Java class for this interface, e.g. {@code TerrariumExports_Greeter}. */
  public String generatedJavaName() {
    return (kind == Kind.HOST_IMPORTS ? "TerrariumImports_" : "TerrariumExports_") + nestedName;
  }

  /** The base name of the generated guest files, e.g. {@code greeter} for {@code greeter.h} and {@code greeter.rs}. */
  public String guestFileName() {
    return Names.snakeCase(nestedName.replace("_", ""));
  }
}
