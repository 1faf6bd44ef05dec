package dev.terrarium.host.capability;

import dev.terrarium.api.DeniedImport;
import dev.terrarium.api.CapabilityDeniedException;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.MissingImportException;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.wasi.WasiFunctions;
import dev.terrarium.host.Grants;
import dev.terrarium.host.ImportDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a module's imports against the effective capabilities. Default deny: every import must be allowed by
 * both the host's grant and the manifest's request, and every host function must exist with the imported type.
 */
public final class CapabilityCheck {
  private CapabilityCheck() {}

  /**
   * Throws {@link CapabilityDeniedException} listing every denied import, or {@link MissingImportException}
   * listing every granted host import that the host does not define (denial is reported first).
   */
  public static void check(
      String pluginId,
      List<ImportDescription> imports,
      Grants hostGrants,
      Capabilities requested,
      Map<String, HostFunctionDefinition> hostFunctions) {
    check(pluginId, imports, hostGrants, requested, hostFunctions, HostDefinitions.NONE);
  }

  /** As {@link #check(String, List, Grants, Capabilities, Map)}, with the host's globals and tables. */
  public static void check(
      String pluginId,
      List<ImportDescription> imports,
      Grants hostGrants,
      Capabilities requested,
      Map<String, HostFunctionDefinition> hostFunctions,
      HostDefinitions others) {
    List<DeniedImport> denied = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> wrongWasi = new ArrayList<>();
    int memories = 0;
    for (ImportDescription imp : imports) {
      if (!imp.isFunction()) {
        memories += imp.kind().equals("memory") ? 1 : 0;
        String refusal =
            OtherImports.check(imp, memories, hostGrants, requested, others, missing);
        if (refusal != null) {
          denied.add(new DeniedImport(imp.module(), imp.name(), imp.kind(), refusal));
        }
        continue;
      }
      if (WasiFunctions.isWasi(imp.module())) {
        WasiCapability group = WasiGroups.groupOf(imp.name());
        WasiFunctions.Function wasiFunction = WasiFunctions.lookup(imp.module(), imp.name());
        if (wasiFunction != null && !imp.matches(wasiFunction.params(), wasiFunction.results())) {
          wrongWasi.add(
              "function "
                  + imp.module()
                  + "."
                  + imp.name()
                  + " with the imported signature "
                  + imp.signature()
                  + " (WASI preview 1 defines it as "
                  + ImportDescription.signature(wasiFunction.params(), wasiFunction.results())
                  + ")");
        }
        if (group == null || wasiFunction == null) {
          denied.add(
              new DeniedImport(
                  imp.module(), imp.name(), imp.kind(), "not a function of " + imp.module() + " Terrarium knows"));
        } else {
          boolean granted = hostGrants.wasi().contains(group);
          boolean asked = requested.wasi().contains(group);
          if (!granted || !asked) {
            String remedy = remedy("WASI capability \"" + group.manifestName() + "\"", granted, asked);
            denied.add(new DeniedImport(imp.module(), imp.name(), imp.kind(), remedy));
          }
        }
        continue;
      }
      if (imp.module().startsWith("wasi")) {
        denied.add(
            new DeniedImport(
                imp.module(),
                imp.name(),
                imp.kind(),
                "only WASI preview 1 (wasi_snapshot_preview1, or the older wasi_unstable) is supported;"
                    + " rebuild the plugin for it"));
        continue;
      }
      String remedy =
          remedy(
              "host module \"" + imp.module() + "\"",
              hostGrants.hostModules().contains(imp.module()),
              requested.hostModules().contains(imp.module()));
      if (remedy != null) {
        denied.add(new DeniedImport(imp.module(), imp.name(), imp.kind(), remedy));
        continue;
      }
      HostFunctionDefinition def = hostFunctions.get(imp.module() + "." + imp.name());
      if (def == null) {
        missing.add("function " + imp.module() + "." + imp.name() + " " + imp.signature());
      } else if (!imp.matches(def)) {
        missing.add(
            "function "
                + imp.module()
                + "."
                + imp.name()
                + " with the imported signature "
                + imp.signature()
                + " (the host defines "
                + def.signature()
                + ")");
      }
    }
    if (!denied.isEmpty()) {
      throw new CapabilityDeniedException(pluginId, denied);
    }
    if (!missing.isEmpty() || !wrongWasi.isEmpty()) {
      List<String> all = new ArrayList<>(missing);
      all.addAll(wrongWasi);
      String remedy =
          wrongWasi.isEmpty()
              ? MissingImportException.REGISTER_REMEDY
              : missing.isEmpty()
                  ? MissingImportException.WASI_REMEDY
                  : MissingImportException.REGISTER_REMEDY + " " + MissingImportException.WASI_REMEDY;
      throw new MissingImportException(pluginId, all, remedy);
    }
  }

  static String remedy(String capability, boolean granted, boolean requested) {
    if (granted && requested) {
      return null;
    }
    if (!granted && !requested) {
      return "needs " + capability + ": grant it in the host and request it in the manifest";
    }
    if (!granted) {
      return "needs " + capability + ": the manifest requests it but the host does not grant it";
    }
    return "needs " + capability + ": the host grants it but the manifest does not request it";
  }

  /** Returns the effective WASI groups: granted and requested. */
  public static Set<WasiCapability> effectiveWasi(Grants grants, Capabilities requested) {
    var set = java.util.EnumSet.noneOf(WasiCapability.class);
    for (WasiCapability c : requested.wasi()) {
      if (grants.wasi().contains(c)) {
        set.add(c);
      }
    }
    return set;
  }
}
