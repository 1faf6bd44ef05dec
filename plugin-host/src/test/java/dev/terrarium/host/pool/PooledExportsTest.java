package dev.terrarium.host.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.PluginError;
import dev.terrarium.api.PoolExhaustedException;
import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import dev.terrarium.samples.abi.Mode;
import dev.terrarium.samples.abi.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link InstancePool#exports} with the Rust greeter and its key-value store host imports. */
class PooledExportsTest {
  /** A thread-safe store shared by every instance; the key "locked" is read-only. */
  static final class SharedStore implements KeyValueStore {
    final Map<String, String> entries = new ConcurrentHashMap<>();

    @Override
    public Optional<String> get(String key) {
      return Optional.ofNullable(entries.get(key));
    }

    @Override
    public void put(String key, String value) throws PluginError {
      if (key.equals("locked")) {
        throw new PluginError(13, "key 'locked' is read-only");
      }
      entries.put(key, value);
    }

    @Override
    public List<Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return delta;
    }
  }

  private final SharedStore store = new SharedStore();
  private final PluginHost host = PluginHost.builder().hostImports(KeyValueStore.class, store).build();
  private InstancePool pool;

  private InstancePool pool(ResetPolicy policy, int maxSize) {
    pool =
        InstancePool.builder(host.load(SamplePlugins.bytes("greeter-rust.wasm")), host.tenant("acme"))
            .maxSize(maxSize)
            .resetPolicy(policy)
            .build();
    return pool;
  }

  @AfterEach
  void tearDown() {
    if (pool != null) {
      pool.close();
    }
    host.close();
  }

  @Test
  void exports_borrowsForEachCallFromManyThreads() throws Exception {
    Greeter greeter = pool(ResetPolicy.REUSE, 3).exports(Greeter.class);
    ExecutorService threads = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        String name = "caller-" + t;
        done.add(
            threads.submit(
                () -> {
                  int ok = 0;
                  for (int i = 0; i < 300; i++) {
                    if (greeter.greet(name + "/" + i).equals("Hello, " + name + "/" + i + "!")) {
                      ok++;
                    }
                  }
                  return ok;
                }));
      }
      for (Future<Integer> f : done) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(300);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(pool.stats().borrows()).isEqualTo(1800);
    assertThat(pool.stats().created()).isBetween(1L, 3L);
    assertThat(pool.stats().inUse()).isZero();
  }

  @Test
  void exports_passesTheCallsExceptionsThroughUnchanged() throws Exception {
    Greeter greeter = pool(ResetPolicy.REUSE, 1).exports(Greeter.class);
    assertThatThrownBy(() -> greeter.store("locked", "x"))
        .isInstanceOfSatisfying(PluginError.class, e -> assertThat(e.code()).isEqualTo(13));
    assertThatThrownBy(() -> greeter.summarize(new byte[0], new Options(false, 3, Mode.BYTES, Optional.empty())))
        .isInstanceOfSatisfying(PluginError.class, e -> assertThat(e.code()).isEqualTo(22));
    greeter.store("k", "v");
    assertThat(store.entries).containsEntry("k", "v");
    assertThat(greeter.lookup("k")).contains("v");
    assertThat(pool.stats().brokenReplaced()).as("a guest's PluginError leaves the instance usable").isZero();
    assertThat(pool.stats().created()).isEqualTo(1);
  }

  @Test
  void exports_underFreshUsesANewInstanceForEachCall() {
    Greeter greeter = pool(ResetPolicy.FRESH, 2).exports(Greeter.class);
    for (int i = 0; i < 5; i++) {
      assertThat(greeter.greet("Ana")).isEqualTo("Hello, Ana!");
    }
    assertThat(pool.stats().created()).isEqualTo(5);
    assertThat(pool.stats().destroyed()).isEqualTo(5);
  }

  @Test
  void exports_failsWithPoolExhaustedWhenNoInstanceFrees() {
    InstancePool p =
        InstancePool.builder(host.load(SamplePlugins.bytes("greeter-rust.wasm")), host.tenant("acme"))
            .maxSize(1)
            .borrowTimeout(Duration.ofMillis(20))
            .build();
    pool = p;
    Greeter greeter = p.exports(Greeter.class);
    try (InstancePool.Lease held = p.borrow()) {
      assertThatThrownBy(() -> greeter.greet("Ana")).isInstanceOf(PoolExhaustedException.class);
    }
    assertThat(greeter.greet("Ana")).isEqualTo("Hello, Ana!");
  }

  @Test
  void exports_proxyAnswersObjectMethodsWithoutBorrowing() {
    Greeter greeter = pool(ResetPolicy.REUSE, 1).exports(Greeter.class);
    assertThat(greeter.toString()).isEqualTo("pooled Greeter of InstancePool[plugin 'greeter-rust', tenant 'acme', REUSE, max 1]");
    assertThat(greeter).isEqualTo(greeter).isNotEqualTo(pool.exports(Greeter.class));
    assertThat(greeter.hashCode()).isEqualTo(System.identityHashCode(greeter));
    assertThat(pool.stats().borrows()).isZero();
  }
}
