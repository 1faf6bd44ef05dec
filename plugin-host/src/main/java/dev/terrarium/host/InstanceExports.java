package dev.terrarium.host;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.BadExportException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.ExportHandle;
import dev.terrarium.api.abi.GuestExports;
import java.util.List;

/** {@link GuestExports} over a {@link PluginInstance}, for generated export proxies. */
final class InstanceExports implements GuestExports {
  private final PluginInstance instance;

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
  public AbiViolationException violated(AbiViolationException violation) {
    instance.broken(violation);
    return violation;
  }

  @Override
  public ExportHandle export(String name, List<WasmType> params, List<WasmType> results) {
    // The ABI's allocator is the binding's own business: its calls are not the application's (metrics, fuel).
    GuestFunction f =
        name.equals("alloc") || name.equals("dealloc") ? instance.marshallingFunction(name) : instance.function(name);
    if (!f.params().equals(params) || !f.results().equals(results)) {
      throw new BadExportException(
          pluginId(),
          name,
          "the generated binding expects "
              + HostFunctionDefinition.signature(params, results)
              + " but the module exports "
              + HostFunctionDefinition.signature(f.params(), f.results())
              + ". Rebuild the plugin against the same interface as the host.");
    }
    return f;
  }
}
