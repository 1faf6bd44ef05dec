package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.PluginHost;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.samples.SamplePlugins;
import org.junit.jupiter.api.Test;

/** The code of docs/metering.md, compiled and run. */
class MeteringSnippets {
  @Test
  void rewrite_addsTheRefuelImport() {
    byte[] moduleBytes = SamplePlugins.bytes("fixtures/add.wasm");

    // snippet: rewrite
    byte[] metered = FuelRewriter.rewrite(moduleBytes, CostModel.defaults());
    // end snippet: rewrite

    assertThat(PluginHost.inspect(metered).imports())
        .anySatisfy(i -> assertThat(i.module() + "." + i.name()).isEqualTo("terrarium_fuel.refuel"));
    assertThat(PluginHost.inspect(moduleBytes).imports()).isEmpty();
  }
}
