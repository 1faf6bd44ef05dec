package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.PluginExports;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Options;
import dev.terrarium.samples.abi.Summary;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The typed interfaces of docs/getting-started.md ("Typed bindings"). They compile here; the annotation processor
 * does not run on this module's tests, so the test below checks that they declare what the sample plugins'
 * {@code dev.terrarium.samples.abi} interfaces (which the processor does see, and the greeter plugins implement)
 * declare, so the page shows a subset of real, working interfaces.
 */
class TypedBindingsSnippets {
  // snippet: interfaces
  @HostImports("kv")                       // the host implements it; plugins import module "kv"
  public interface KeyValueStore {
    Optional<String> get(String key);       // absence crosses as Optional
    void put(String key, String value) throws PluginError;   // an error the guest receives as a value
    List<Entry> scan(String prefix);        // records and lists
    long add(int delta);
  }

  @PluginExports                           // the plugin implements it; the host calls it
  public interface Greeter {
    String greet(String name);
    Summary summarize(byte[] document, Options options) throws PluginError;
  }
  // end snippet: interfaces

  @Test
  void interfaces_declareWhatTheSamplePluginsInterfacesDeclare() throws Exception {
    assertThat(KeyValueStore.class.getAnnotation(HostImports.class).value())
        .isEqualTo(dev.terrarium.samples.abi.KeyValueStore.class.getAnnotation(HostImports.class).value());
    assertThat(Greeter.class.isAnnotationPresent(PluginExports.class)).isTrue();
    for (Class<?>[] pair : List.of(
        new Class<?>[] {KeyValueStore.class, dev.terrarium.samples.abi.KeyValueStore.class},
        new Class<?>[] {Greeter.class, dev.terrarium.samples.abi.Greeter.class})) {
      for (var method : pair[0].getDeclaredMethods()) {
        var real = pair[1].getMethod(method.getName(), method.getParameterTypes());
        assertThat(real.getGenericReturnType()).isEqualTo(method.getGenericReturnType());
        assertThat(real.getExceptionTypes()).isEqualTo(method.getExceptionTypes());
      }
    }
  }
}
