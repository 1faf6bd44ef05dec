package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.PluginError;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import dev.terrarium.samples.abi.Mode;
import dev.terrarium.samples.abi.Options;
import dev.terrarium.samples.abi.Sample;
import dev.terrarium.samples.abi.Stats;
import dev.terrarium.samples.abi.Summary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated bindings end to end: Java proxy → C and Rust guests → generated host imports. */
class TypedBindingsTest {
  /** An in-memory store; the key "locked" is read-only. */
  static final class MemoryStore implements KeyValueStore {
    final Map<String, Entry> entries = new TreeMap<>();
    final AtomicLong counter = new AtomicLong();

    @Override
    public Optional<String> get(String key) {
      return Optional.ofNullable(entries.get(key)).map(Entry::value);
    }

    @Override
    public void put(String key, String value) throws PluginError {
      if (key.equals("locked")) {
        throw new PluginError(13, "key 'locked' is read-only");
      }
      Entry old = entries.get(key);
      entries.put(key, new Entry(key, value, old == null ? 1 : old.version() + 1));
    }

    @Override
    public List<Entry> scan(String prefix) {
      List<Entry> out = new ArrayList<>();
      for (Entry e : entries.values()) {
        if (e.key().startsWith(prefix)) {
          out.add(e);
        }
      }
      return out;
    }

    @Override
    public long add(int delta) {
      return counter.addAndGet(delta);
    }
  }

  private final MemoryStore store = new MemoryStore();
  private PluginHost host;
  private PluginInstance instance;

  private Greeter greeter(String plugin) {
    host = PluginHost.builder().hostImports(KeyValueStore.class, store).build();
    instance = host.load(SamplePlugins.bytes(plugin)).instantiate();
    return instance.exports(Greeter.class);
  }

  @AfterEach
  void tearDown() {
    if (instance != null) {
      instance.close();
    }
    if (host != null) {
      host.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void greet_passesStringsBothWays(String plugin) {
    Greeter g = greeter(plugin);
    assertThat(g.greet("Ana")).isEqualTo("Hello, Ana!");
    assertThat(g.greet("")).isEqualTo("Hello, !");
    assertThat(g.greet("Zoë 🌿 日本")).isEqualTo("Hello, Zoë 🌿 日本!");
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void echo_returnsAOneMebibyteStringWhole(String plugin) {
    Greeter g = greeter(plugin);
    String big = "ab🌿".repeat(1024 * 1024 / 6);
    assertThat(big.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(1024 * 1000);
    for (int i = 0; i < 3; i++) {
      assertThat(g.echo(big)).isEqualTo(big);
    }
    assertThat(g.echo("")).isEmpty();
    assertThat(instance.memoryPages()).isLessThan(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void echoBytes_returnsEveryByte(String plugin) {
    Greeter g = greeter(plugin);
    byte[] data = new byte[70_000];
    new Random(7).nextBytes(data);
    assertThat(g.echoBytes(data)).isEqualTo(data);
    assertThat(g.echoBytes(new byte[0])).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void echoSample_returnsARecordOfFiveKinds(String plugin) {
    Greeter g = greeter(plugin);
    Sample s = new Sample(-7, Long.MIN_VALUE + 3, Math.PI, true, "naïve label");
    assertThat(g.echoSample(s)).isEqualTo(s);
    Sample empty = new Sample(0, 0, -0.0, false, "");
    assertThat(g.echoSample(empty)).isEqualTo(empty);
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void summarize_returnsNestedRecordsAndLists(String plugin) throws PluginError {
    Greeter g = greeter(plugin);
    byte[] doc = "the cat and the hat\nThe end\n".getBytes(StandardCharsets.UTF_8);
    Summary s = g.summarize(doc, new Options(false, 2, Mode.WORDS, Optional.of("en")));
    assertThat(s.words()).isEqualTo(7);
    assertThat(s.lines()).isEqualTo(2);
    assertThat(s.bytes()).isEqualTo(doc.length);
    assertThat(s.topWords()).containsExactly("the", "and");
    assertThat(s.stats().averageWordLength()).isCloseTo(3.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(s.stats()).isInstanceOf(Stats.class);
    Summary sensitive = g.summarize(doc, new Options(true, 1, Mode.WORDS, Optional.empty()));
    assertThat(sensitive.topWords()).containsExactly("the");
    Summary lines = g.summarize(doc, new Options(true, 5, Mode.LINES, Optional.empty()));
    assertThat(lines.topWords()).containsExactly("The end", "the cat and the hat");
    assertThat(lines.stats().uniqueRatio()).isEqualTo(1.0f);
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void summarize_reportsTheGuestsErrorAsPluginError(String plugin) {
    Greeter g = greeter(plugin);
    assertThatThrownBy(() -> g.summarize(new byte[0], new Options(false, 3, Mode.BYTES, Optional.empty())))
        .isInstanceOfSatisfying(PluginError.class, e -> assertThat(e.code()).isEqualTo(22));
    assertThat(g.greet("still here")).isEqualTo("Hello, still here!");
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void collect_passesListsOfRecordsFromTheHost(String plugin) throws PluginError {
    store.put("user:ana", "admin");
    store.put("user:bo", "guest");
    store.put("user:bo", "owner");
    store.put("group:x", "ignored");
    Greeter g = greeter(plugin);
    assertThat(g.collect("user:"))
        .containsExactly(new Entry("user:ana", "ADMIN", 1), new Entry("user:bo", "OWNER", 2));
    assertThat(g.collect("nobody:")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void lookup_passesAbsentValuesBothWays(String plugin) throws PluginError {
    store.put("present", "yes ✓");
    Greeter g = greeter(plugin);
    assertThat(g.lookup("present")).contains("yes ✓");
    assertThat(g.lookup("missing")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void store_carriesAHostErrorToTheGuestAndBack(String plugin) throws PluginError {
    Greeter g = greeter(plugin);
    g.store("colour", "green");
    assertThat(store.get("colour")).contains("green");
    assertThatThrownBy(() -> g.store("locked", "x"))
        .isInstanceOfSatisfying(
            PluginError.class,
            e -> {
              assertThat(e.code()).isEqualTo(13);
              assertThat(e.getMessage()).contains("key 'locked' is read-only");
            });
    assertThat(g.count(2, 5)).isEqualTo(10);
    g.noop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void proxy_rejectsNullForRequiredValues(String plugin) {
    Greeter g = greeter(plugin);
    assertThatThrownBy(() -> g.greet(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("name");
    assertThat(g.greet("ok")).isEqualTo("Hello, ok!");
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm"})
  void proxy_aNullInsideAnArgumentLeavesNothingBehindInGuestMemory(String plugin) throws PluginError {
    Greeter g = greeter(plugin);
    byte[] document = "word ".repeat(64 * 1024 / 5).getBytes(StandardCharsets.UTF_8);
    // The document (64 KiB) and the Options struct are written before the null mode is found.
    Options noMode = new Options(false, 3, null, Optional.empty());
    assertThatThrownBy(() -> g.summarize(document, noMode))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("mode");
    int pages = instance.memoryPages();
    for (int i = 0; i < 200; i++) {
      assertThatThrownBy(() -> g.summarize(document, noMode)).isInstanceOf(NullPointerException.class);
    }
    // Had each failed call kept its 64 KiB, the guest would have grown by about 200 pages.
    assertThat(instance.memoryPages()).isEqualTo(pages);
    assertThat(instance.usable()).isTrue();
    assertThat(g.summarize(document, new Options(false, 1, Mode.WORDS, Optional.empty())).topWords())
        .containsExactly("word");
  }

  @Test
  void exports_rejectsAModuleThatDoesNotImplementTheInterface() {
    host = PluginHost.builder().build();
    instance = host.load(Fixtures.fixture("add"), Fixtures.manifest("add")).instantiate();
    assertThatThrownBy(() -> instance.exports(Greeter.class))
        .isInstanceOf(BadExportException.class)
        .hasMessageContaining("no export named 'alloc'");
    assertThat(instance.call("add", 1, 2)).containsExactly(3);
  }

  @Test
  void exports_rejectsAnInterfaceWithoutABinding() {
    host = PluginHost.builder().build();
    instance = host.load(Fixtures.fixture("add"), Fixtures.manifest("add")).instantiate();
    assertThatThrownBy(() -> instance.exports(Runnable.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an interface annotated @PluginExports");
  }
}
