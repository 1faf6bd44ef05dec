package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.InstanceUnusableException;
import dev.terrarium.api.MemoryLimitException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real plugin whose {@code alloc} returns 0 because its memory cannot grow past the instance's page limit fails the
 * call with {@link MemoryLimitException} naming the limit, not with an ABI violation; the instance is discarded and
 * the host goes on serving (a fresh instance of the same plugin answers).
 */
class AllocAtMemoryLimitTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"greeter-c.wasm, 2", "greeter-rust.wasm, 17"})
  void allocAtTheLimit_isAMemoryLimitExceptionNamingTheLimit(String module, int initialPages) {
    int limit = initialPages + 8;
    try (PluginHost host =
        PluginHost.builder()
            .hostImports(KeyValueStore.class, new TypedBindingsTest.MemoryStore())
            .limits(PluginLimits.builder().maxMemoryPages(limit).build())
            .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes(module));
      String tooBig = "x".repeat(16 * 65536); // more than the 8 pages the guest may still grow by
      try (PluginInstance instance = plugin.instantiate()) {
        Greeter greeter = instance.exports(Greeter.class);
        assertThat(greeter.greet("before")).isEqualTo("Hello, before!");

        assertThatThrownBy(() -> greeter.greet(tooBig))
            .isInstanceOfSatisfying(
                MemoryLimitException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(ErrorCode.CALL_MEMORY_LIMIT);
                  assertThat(e.limitPages()).isEqualTo(limit);
                })
            .hasMessageStartingWith("[Terrarium/CALL_MEMORY_LIMIT] plugin '")
            .hasMessageContaining("the limit of " + limit + " pages (" + limit * 64 + " KiB)")
            .hasMessageContaining("alloc(" + tooBig.length() + ") for ")
            .hasMessageContaining("returned 0")
            .hasMessageContaining("Raise maxMemoryPages")
            .hasMessageNotContaining("bug in the plugin");
        assertThatThrownBy(() -> greeter.greet("again")).isInstanceOf(InstanceUnusableException.class);
      }
      try (PluginInstance fresh = plugin.instantiate()) {
        assertThat(fresh.exports(Greeter.class).greet("after")).isEqualTo("Hello, after!");
      }
    }
  }
}
