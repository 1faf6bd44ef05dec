package dev.terrarium.benchmarks;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;

/**
 * The two sides of an interleaved benchmark: an unmetered and a metered host, each with one instance of the same
 * module for a tenant with {@link FuelPolicy#unlimited()}, as an application would make them.
 */
final class HostPair implements AutoCloseable {
  final PluginHost plainHost;
  final PluginHost meteredHost;
  final PluginInstance plain;
  final PluginInstance metered;

  HostPair(PluginHost.Builder plainBuilder, PluginHost.Builder meteredBuilder, byte[] module) {
    plainHost = plainBuilder.build();
    meteredHost = meteredBuilder.build();
    plain = instance(plainHost, module);
    metered = instance(meteredHost, module);
  }

  private static PluginInstance instance(PluginHost host, byte[] module) {
    return host.load(module).instantiate(host.tenant("bench", FuelPolicy.unlimited()), InstanceOptions.defaults());
  }

  @Override
  public void close() {
    plain.close();
    metered.close();
    plainHost.close();
    meteredHost.close();
  }
}
