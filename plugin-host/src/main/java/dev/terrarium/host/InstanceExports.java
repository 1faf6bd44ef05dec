package dev.terrarium.host;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.BadExportException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.PluginCallException;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.ExportHandle;
import dev.terrarium.api.abi.GuestExports;
import dev.terrarium.api.PluginExports;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GuestExports} over a {@link PluginInstance}, for generated export proxies. A proxy looks up every export
 * in its constructor; this collects every export that is missing or has another signature instead of failing at
 * the first, and {@link #checkComplete} then reports them all in one {@link BadExportException}.
 */
final class InstanceExports implements GuestExports {
  private final PluginInstance instance;
  private final List<String> missing = new ArrayList<>();
  private final List<String> mismatched = new ArrayList<>();

  InstanceExports(PluginInstance instance) {
    this.instance = instance;
  }

  @Override
  public String pluginId() {
    return instance.plugin().id();
  }

  @Override
  public GuestMemory memory() {
    return instance.memory();
  }

  @Override
  public boolean beginTypedCall(String function) {
    return instance.beginTypedCall(function);
  }

  @Override
  public void endTypedCall(boolean began, RuntimeException failure) {
    instance.endTypedCall(began, failure);
  }

  @Override
  public AbiViolationException violated(AbiViolationException violation) {
    instance.broken(violation);
    return violation;
  }

  @Override
  public <E extends PluginCallException> E failed(E failure) {
    if (!failure.instanceUsable()) {
      instance.broken(failure);
    }
    return failure;
  }

  @Override
  public boolean hasExport(String name) {
    return instance.plugin().description().export(name).map(e -> e.kind().equals("function")).orElse(false);
  }

  @Override
  public ExportHandle export(String name, List<WasmType> params, List<WasmType> results) {
    if (!hasExport(name)) {
      missing.add(name);
      return args -> {
        throw new BadExportException(pluginId(), name, "the module does not export it");
      };
    }
    // The ABI's allocator is the binding's own business: its calls are not the application's (metrics, fuel).
    GuestFunction f =
        name.equals("alloc") || name.equals("dealloc") ? instance.marshallingFunction(name) : instance.function(name);
    if (!f.params().equals(params) || !f.results().equals(results)) {
      mismatched.add(
          "'" + name + "': the generated binding expects "
              + HostFunctionDefinition.signature(params, results)
              + " but the module exports "
              + HostFunctionDefinition.signature(f.params(), f.results()));
    }
    return f;
  }

  /**
   * Throws one {@link BadExportException} naming every export of {@code type} the module lacks and every one it
   * exports with another signature, if any.
   */
  void checkComplete(Class<?> type) {
    if (missing.isEmpty() && mismatched.isEmpty()) {
      return;
    }
    PluginExports annotation = type.getAnnotation(PluginExports.class);
    int version = annotation == null ? 1 : annotation.version();
    StringBuilder m = new StringBuilder("the module does not implement ").append(type.getSimpleName());
    m.append(" (interface version ").append(version).append("): ");
    if (!missing.isEmpty()) {
      m.append("no export named ")
          .append(String.join(", ", missing.stream().map(n -> "'" + n + "'").toList()))
          .append(" (").append(missing.size()).append(" missing)");
    }
    if (!mismatched.isEmpty()) {
      m.append(missing.isEmpty() ? "" : "; ").append("other signatures: ").append(String.join("; ", mismatched));
    }
    m.append(
        ". Rebuild the plugin against the same interface as the host; methods added to an interface later should be"
            + " default methods, which older plugins may lack.");
    throw new BadExportException(pluginId(), null, m.toString());
  }
}
