package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import org.junit.jupiter.api.Test;

/** The code of docs/floats.md, compiled and run. */
class FloatsSnippets {
  @Test
  void canonicalizeNaNs_makesEveryComputedNaNTheCanonicalOne() {
    // snippet: canonicalize
    PluginHost host = PluginHost.builder().canonicalizeNaNs().build();
    // end snippet: canonicalize
    try (host) {
      long[] sum = host.load(SamplePlugins.bytes("fixtures/add.wasm")).instantiate()
          .call("addf", 0x7ff0_0000_0000_0123L, Double.doubleToRawLongBits(2.25)); // a NaN with a payload
      assertThat(sum[0]).isEqualTo(0x7ff8_0000_0000_0000L);
    }
  }
}
