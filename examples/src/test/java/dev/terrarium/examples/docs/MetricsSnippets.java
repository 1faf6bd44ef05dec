package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.metrics.TerrariumMetrics;
import dev.terrarium.samples.SamplePlugins;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The code of docs/metrics.md, compiled and run. */
class MetricsSnippets {
  @Test
  void aRegistryForOneHost() {
    MeterRegistry registry = new SimpleMeterRegistry();
    // snippet: registry
    PluginHost host = PluginHost.builder().meterRegistry(registry).build();
    // end snippet: registry
    try (host;
        PluginInstance i = host.load(SamplePlugins.bytes("fixtures/add.wasm")).instantiate()) {
      i.call("add", 1, 2);
      assertThat(registry.get("terrarium.calls").tag("function", "add").functionTimer().count()).isEqualTo(1);
    }
  }

  @Test
  void aBinderSharedByHosts() {
    MeterRegistry registry = new SimpleMeterRegistry();
    // snippet: binder
    TerrariumMetrics metrics = TerrariumMetrics.builder()
        .timeEvery(16)       // count every call, time one in 16 (the default)
        .maxPlugins(200)     // plugin ids past 200 share the tag value "other"
        .maxFunctions(100)   // so do function names past 100 per plugin
        .build();
    PluginHost first = PluginHost.builder().metrics(metrics).build();
    PluginHost second = PluginHost.builder().metrics(metrics).build();
    metrics.bindTo(registry); // now, later, or by a framework that binds every MeterBinder
    // end snippet: binder
    try (first;
        second;
        PluginInstance a = first.load(SamplePlugins.bytes("fixtures/add.wasm")).instantiate();
        PluginInstance b = second.load(SamplePlugins.bytes("fixtures/add.wasm")).instantiate()) {
      a.call("add", 1, 2);
      b.call("add", 3, 4);
      assertThat(registry.get("terrarium.instances.live").gauge().value()).isEqualTo(2);
    }
  }
}
