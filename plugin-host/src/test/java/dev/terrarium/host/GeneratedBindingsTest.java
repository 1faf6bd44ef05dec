package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.abi.GeneratedBindings;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.junit.jupiter.api.Test;

/** How the host reaches generated bindings: through the lookups they register ({@link GeneratedBindings}). */
class GeneratedBindingsTest {
  @Test
  void register_refusesALookupWithoutFullPrivilege_andBindingsStillWork() {
    assertThatThrownBy(() -> GeneratedBindings.register(MethodHandles.publicLookup()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a generated binding registers the lookup of its own class (MethodHandles.lookup())");
    assertThatThrownBy(() -> GeneratedBindings.register(MethodHandles.lookup().dropLookupMode(MethodHandles.Lookup.PRIVATE)))
        .isInstanceOf(IllegalArgumentException.class);
    try (PluginHost host =
            PluginHost.builder().hostImports(KeyValueStore.class, new TypedBindingsTest.MemoryStore()).build();
        PluginInstance i = host.load(Fixtures.bytes("greeter-c.wasm")).instantiate()) {
      assertThat(i.exports(Greeter.class).greet("Ana")).isEqualTo("Hello, Ana!");
    }
  }

  @Test
  void aClassThatRegisteredNothing_givesNoHandle_andOnlyPublicMembersAreHandedOut() throws Exception {
    assertThat(GeneratedBindings.constructor(String.class, MethodType.methodType(void.class))).isNull();
    Class<?> generated = Class.forName("dev.terrarium.samples.abi.TerrariumExports_Greeter");
    assertThatThrownBy(() -> GeneratedBindings.staticMethod(generated, "noSuchMethod", MethodType.methodType(void.class)))
        .isInstanceOf(NoSuchMethodException.class);
  }
}
