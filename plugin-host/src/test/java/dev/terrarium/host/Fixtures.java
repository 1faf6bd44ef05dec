package dev.terrarium.host;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.samples.SamplePlugins;
import java.util.List;

/** Real modules from sample-plugins and hosts to run them on. */
final class Fixtures {
  private Fixtures() {}

  static byte[] bytes(String name) {
    return SamplePlugins.bytes(name);
  }

  static byte[] fixture(String name) {
    return SamplePlugins.bytes("fixtures/" + name + ".wasm");
  }

  static PluginManifest manifest(String id) {
    return PluginManifest.of(id, "1.0.0");
  }

  static PluginManifest manifest(String id, Capabilities capabilities) {
    return PluginManifest.of(id, "1.0.0").withCapabilities(capabilities);
  }

  /**
   * A host granting the WASI groups the sample plugins need and defining {@code host.fail}, with a compiled-module
   * cache of its own (so that its {@code cacheStats()} count only its loads).
   */
  static PluginHost.Builder host(ExecutionMode mode) {
    return PluginHost.builder()
        .executionMode(mode)
        .moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT))
        .grants(
            Grants.builder()
                .wasi(WasiCapability.STDIO, WasiCapability.EXIT, WasiCapability.ARGS, WasiCapability.ENV)
                .build())
        .hostFunction(
            "host",
            "fail",
            List.of(WasmType.I32),
            List.of(WasmType.I32),
            (ctx, args) -> {
              if (args[0] < 0) {
                throw new IllegalStateException("host refuses negative input " + args[0]);
              }
              return new long[] {args[0] * 2};
            });
  }

  /** Loads add.wasm and checks that it adds: the proof that a host is still healthy. */
  static void assertHealthy(PluginHost host) {
    Plugin good = host.load(fixture("add"), manifest("good-add"));
    try (PluginInstance instance = good.instantiate()) {
      long[] r = instance.call("add", 40, 2);
      if (r.length != 1 || r[0] != 42) {
        throw new AssertionError("add(40, 2) returned " + java.util.Arrays.toString(r));
      }
    }
  }
}
