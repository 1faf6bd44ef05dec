package dev.terrarium.host.capability;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.HostGlobalDefinition;
import dev.terrarium.api.HostTableDefinition;
import dev.terrarium.host.Grants;
import dev.terrarium.host.ImportDescription;
import java.util.List;

/**
 * The rules for imports that are not functions.
 *
 * <ul>
 *   <li>A memory: the instance's own private memory, made fresh by the host for each instance within {@code
 *       maxMemoryPages}, exactly like a memory the module defines. It reaches nothing of the host's, so it needs
 *       no grant. Only one (multi-memory is not supported) and never shared (threads are not supported).
 *   <li>A global or a table: the host must define it ({@code PluginHost.Builder.hostGlobal}, {@code hostTable}),
 *       which grants its module; the manifest must request the module, as for host functions; and its type
 *       must match the host's exactly.
 *   <li>Anything else (a tag) is refused.
 * </ul>
 */
final class OtherImports {
  private OtherImports() {}

  /**
   * Returns why {@code imp} is denied, or {@code null}; adds to {@code missing} when the host defines it
   * differently or not at all.
   *
   * @param memories the memory imports seen so far, this one included
   */
  static String check(
      ImportDescription imp,
      int memories,
      Grants hostGrants,
      Capabilities requested,
      HostDefinitions defined,
      List<String> missing) {
    String qualified = imp.module() + "." + imp.name();
    switch (imp.kind()) {
      case "memory" -> {
        if (imp.shared()) {
          return "a shared memory (WebAssembly threads) is not supported; build the plugin without threads";
        }
        if (memories > 1) {
          return "only one memory can be imported (multiple memories are not supported)";
        }
        return null;
      }
      case "global", "table" -> {
        String remedy =
            CapabilityCheck.remedy(
                "host module \"" + imp.module() + "\"",
                hostGrants.hostModules().contains(imp.module()),
                requested.hostModules().contains(imp.module()));
        if (remedy != null) {
          return remedy;
        }
        if (imp.kind().equals("global")) {
          HostGlobalDefinition def = defined.globals().get(qualified);
          if (def == null) {
            missing.add("global " + qualified + " " + imp.signature());
          } else if (imp.valueType() != def.type() || imp.mutable() != def.mutable()) {
            missing.add(
                "global " + qualified + " of the imported type " + imp.signature() + " (the host defines "
                    + def.typeName() + ")");
          }
        } else {
          HostTableDefinition def = defined.tables().get(qualified);
          if (def == null) {
            missing.add("table " + qualified + " " + imp.signature());
          } else if (!tableFits(imp, def)) {
            missing.add(
                "table " + qualified + " of the imported type " + imp.signature() + " (the host defines "
                    + def.typeName() + ")");
          }
        }
        return null;
      }
      default -> {
        return "plugins cannot import a " + imp.kind() + "; define and export it in the module instead";
      }
    }
  }

  /** WebAssembly's import matching: same element type, at least the minimum, a maximum within the import's. */
  private static boolean tableFits(ImportDescription imp, HostTableDefinition def) {
    if (imp.valueType() != def.elementType() || def.min() < imp.min()) {
      return false;
    }
    if (imp.max() < 0) {
      return true;
    }
    return def.max() != null && def.max() <= imp.max();
  }
}
