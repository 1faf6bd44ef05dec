package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.GreeterV2;
import dev.terrarium.samples.abi.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Interfaces that grow: the real greeter plugins, built against {@code Greeter} (version 1), serve {@code GreeterV2},
 * whose new method is a {@code default} method; and a module that lacks required exports is refused with every one
 * of them named at once.
 */
class GrowingInterfacesTest {
  private PluginHost host;

  @AfterEach
  void close() {
    if (host != null) {
      host.close();
    }
  }

  private PluginInstance instance(String plugin) {
    host = PluginHost.builder().hostImports(KeyValueStore.class, new TypedBindingsTest.MemoryStore()).build();
    return host.load(SamplePlugins.bytes(plugin)).instantiate();
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm"})
  void exports_anOlderPluginLackingAnOptionalMethod_getsItsDefault(String plugin) {
    PluginInstance instance = instance(plugin);
    assertThat(instance.plugin().description().export("farewell")).isEmpty();

    GreeterV2 g = instance.exports(GreeterV2.class);

    assertThat(g.farewell("Ana")).isEqualTo("Goodbye, Ana.");
    assertThat(g.greet("Ana")).isEqualTo("Hello, Ana!");
    assertThat(g.count(2, 3)).isEqualTo(6);
    assertThat(instance.usable()).isTrue();
  }

  @Test
  void exports_aModuleLackingRequiredExports_namesEveryOneAtOnce() {
    host = PluginHost.builder().build();
    PluginInstance instance = host.load(Fixtures.fixture("add"), Fixtures.manifest("add")).instantiate();

    assertThatThrownBy(() -> instance.exports(Greeter.class))
        .isInstanceOfSatisfying(
            BadExportException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_BAD_EXPORT))
        .hasMessageContaining("the module does not implement Greeter (interface version 1): no export named 'alloc',"
            + " 'dealloc', 'greet', 'summarize', 'echo', 'echo_bytes', 'echo_sample', 'collect', 'lookup', 'store',"
            + " 'count' (11 missing)"); // add.wasm exports noop
    // the instance still serves its own exports
    assertThat(instance.call("add", 1, 2)).containsExactly(3);
  }

  @Test
  void exports_anOptionalMethodIsNotRequired_butTheRequiredOnesStillAre() {
    host = PluginHost.builder().build();
    PluginInstance instance = host.load(Fixtures.fixture("add"), Fixtures.manifest("add")).instantiate();

    assertThatThrownBy(() -> instance.exports(GreeterV2.class))
        .isInstanceOf(BadExportException.class)
        .hasMessageContaining("GreeterV2 (interface version 2): no export named 'alloc', 'dealloc', 'greet', 'count'"
            + " (4 missing)")
        .hasMessageNotContaining("farewell");
  }

  @Test
  void exports_namesMissingExportsAndOtherSignaturesTogether() {
    host = PluginHost.builder().build();
    byte[] module =
        Wat.compile(
            """
            (module
              (memory (export "memory") 1)
              (func (export "alloc") (param i32) (result i32) (i32.const 8))
              (func (export "dealloc") (param i32 i32))
              (func (export "greet") (param i32) (result i64) (i64.const 0))
              (func (export "count") (param i32 i32) (result i64) (i64.const 1)))
            """);
    PluginInstance instance = host.load(module, Fixtures.manifest("half")).instantiate();

    assertThatThrownBy(() -> instance.exports(GreeterV2.class))
        .isInstanceOf(BadExportException.class)
        .hasMessage(
            "[Terrarium/CALL_BAD_EXPORT] plugin 'half': the module does not implement GreeterV2 (interface version 2):"
                + " other signatures: 'greet': the generated binding expects (i32, i32) -> (i64) but the module"
                + " exports (i32) -> (i64). Rebuild the plugin against the same interface as the host; methods added"
                + " to an interface later should be default methods, which older plugins may lack.");
    assertThatThrownBy(() -> instance.exports(Greeter.class))
        .isInstanceOf(BadExportException.class)
        .hasMessageContaining("no export named 'summarize', 'echo', 'echo_bytes', 'echo_sample', 'noop', 'collect',"
            + " 'lookup', 'store' (8 missing); other signatures: 'greet': the generated binding expects");
    assertThat(instance.call("count", 1, 1)).containsExactly(1);
  }
}
