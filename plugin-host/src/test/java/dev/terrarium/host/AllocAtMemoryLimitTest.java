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
 * A real plugin whose {@code alloc} returns 0 (C, Rust) or traps (AssemblyScript) because its memory cannot grow past
 * the instance's page limit fails the call with {@link MemoryLimitException} naming the limit, not with an ABI
 * violation; the instance is discarded and the host goes on serving (a fresh instance of the same plugin answers).
 * An {@code alloc} that returns 0 while memory could still grow stays an ABI violation (HostileGuestsTest).
 */
class AllocAtMemoryLimitTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"greeter-c.wasm, 2, true", "greeter-rust.wasm, 17, true", "greeter-as.wasm, 1, false"})
  void allocAtTheLimit_isAMemoryLimitExceptionNamingTheLimit(String module, int initialPages, boolean returnsZero) {
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

        var thrown = assertThatThrownBy(() -> greeter.greet(tooBig));
        thrown
            .isInstanceOfSatisfying(
                MemoryLimitException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(ErrorCode.CALL_MEMORY_LIMIT);
                  assertThat(e.limitPages()).isEqualTo(limit);
                })
            .hasMessageStartingWith("[Terrarium/CALL_MEMORY_LIMIT] plugin '")
            .hasMessageContaining("the limit of " + limit + " pages (" + limit * 64 + " KiB)")
            .hasMessageContaining("Raise maxMemoryPages")
            .hasMessageNotContaining("bug in the plugin");
        if (returnsZero) {
          // C (malloc) and Rust (std::alloc): alloc returns 0, which the host reads as the limit, not a bad ABI
          thrown.hasMessageContaining("alloc(" + tooBig.length() + ") for ").hasMessageContaining("returned 0");
        } else {
          // AssemblyScript's allocator traps when the memory cannot grow: the trap after the refused grow
          thrown.hasMessageContaining("unreachable");
        }
        assertThatThrownBy(() -> greeter.greet("again")).isInstanceOf(InstanceUnusableException.class);
      }
      try (PluginInstance fresh = plugin.instantiate()) {
        assertThat(fresh.exports(Greeter.class).greet("after")).isEqualTo("Hello, after!");
      }
    }
  }

  /**
   * The other direction: the host's import implementation returns more than the guest can hold, so the host-side
   * binding's alloc for the result fails at the limit inside the host call; the guest's call fails with
   * MemoryLimitException too, and the host serves afterwards.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"greeter-c.wasm, 2", "greeter-rust.wasm, 17", "greeter-as.wasm, 1"})
  void hostImportResultAtTheLimit_isAMemoryLimitException(String module, int initialPages) throws Exception {
    int limit = initialPages + 8;
    TypedBindingsTest.MemoryStore store = new TypedBindingsTest.MemoryStore();
    try (PluginHost host =
        PluginHost.builder()
            .hostImports(KeyValueStore.class, store)
            .limits(PluginLimits.builder().maxMemoryPages(limit).build())
            .build()) {
      Plugin plugin = host.load(SamplePlugins.bytes(module));
      store.put("big", "v".repeat(16 * 65536));
      store.put("small", "ok");
      try (PluginInstance instance = plugin.instantiate()) {
        Greeter greeter = instance.exports(Greeter.class);
        assertThat(greeter.lookup("small")).contains("ok");

        assertThatThrownBy(() -> greeter.lookup("big"))
            .isInstanceOfSatisfying(MemoryLimitException.class, e -> assertThat(e.limitPages()).isEqualTo(limit))
            .hasMessageContaining("the limit of " + limit + " pages")
            .hasMessageNotContaining("bug in the plugin");
        assertThatThrownBy(() -> greeter.lookup("small")).isInstanceOf(InstanceUnusableException.class);
      }
      try (PluginInstance fresh = plugin.instantiate()) {
        assertThat(fresh.exports(Greeter.class).lookup("small")).contains("ok");
      }
    }
  }
}
