package dev.terrarium.abi.support;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.ExportHandle;
import dev.terrarium.api.abi.GuestExports;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pretend plugin instance for export proxies: its exports are Java lambdas working on a {@link Sandbox}, and
 * {@code alloc}/{@code dealloc} are the sandbox's allocator. It records the signatures the proxy asked for.
 */
public final class FakeInstance implements GuestExports {
  public final Sandbox sandbox;
  private final Map<String, ExportHandle> functions = new HashMap<>();
  private final Map<String, String> requested = new HashMap<>();
  private final List<String> calls = new ArrayList<>();

  public FakeInstance(Sandbox sandbox) {
    this.sandbox = sandbox;
    functions.put("alloc", args -> new long[] {sandbox.allocator.alloc((int) args[0])});
    functions.put(
        "dealloc",
        args -> {
          sandbox.allocator.dealloc((int) args[0], (int) args[1]);
          return new long[0];
        });
  }

  /** Defines an export. */
  public FakeInstance export(String name, ExportHandle implementation) {
    functions.put(
        name,
        args -> {
          calls.add(name);
          return implementation.call(args);
        });
    return this;
  }

  @Override
  public String pluginId() {
    return Sandbox.PLUGIN_ID;
  }

  @Override
  public GuestMemory memory() {
    return sandbox.memory;
  }

  @Override
  public boolean hasExport(String name) {
    return functions.containsKey(name);
  }

  @Override
  public ExportHandle export(String name, List<WasmType> params, List<WasmType> results) {
    requested.put(name, HostFunctionDefinition.signature(params, results));
    ExportHandle f = functions.get(name);
    if (f == null) {
      // a proxy looks everything up when it is created: unused exports may be missing in a test
      return args -> {
        throw new BadExportException(Sandbox.PLUGIN_ID, name, "the fake instance does not export " + name);
      };
    }
    return f;
  }

  /** The signature the proxy asked for, e.g. {@code (i32, i32) -> (i64)}. */
  public String requestedSignature(String name) {
    return requested.get(name);
  }

  /** The names of the exports called, in order (without alloc and dealloc). */
  public List<String> calls() {
    return List.copyOf(calls);
  }
}
