package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.host.engine.EngineArtifact;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Compilations run outside the cache's locks: one per key at a time, never holding up other keys. */
class ModuleCacheCompileTest {
  /** Threads of the test's own: the common pool may have a single worker on a small machine. */
  private final java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();

  @org.junit.jupiter.api.AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private static EngineArtifact artifact() {
    try (PluginHost host = Fixtures.host(ExecutionMode.INTERPRETER).build()) {
      return host.load(Fixtures.fixture("add"), Fixtures.manifest("add")).artifact();
    }
  }

  private static ModuleCache.Key key(String name) {
    try (PluginHost host = Fixtures.host(ExecutionMode.INTERPRETER).build()) {
      ModuleCache.Key k = host.cacheKey("0".repeat(64));
      return new ModuleCache.Key(
          name.repeat(64 / name.length()), k.terrarium(), k.engine(), k.mode(), k.metering(), k.canonicalNaNs(),
          k.fuelField());
    }
  }

  @Test
  void aLongCompilation_doesNotHoldUpAnotherKey() throws Exception {
    EngineArtifact artifact = artifact();
    ModuleCache cache = ModuleCache.create(64L << 20);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<EngineArtifact> slow =
        CompletableFuture.supplyAsync(
            () ->
                cache.computeIfAbsent(
                    key("a"),
                    () -> {
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                      return artifact;
                    }),
            threads);
    Thread.sleep(100);
    CompletableFuture<EngineArtifact> fast =
        CompletableFuture.supplyAsync(() -> cache.computeIfAbsent(key("b"), () -> artifact), threads);
    try {
      assertThat(fast.get(5, TimeUnit.SECONDS)).isSameAs(artifact);
      assertThat(slow).isNotDone();
    } finally {
      release.countDown();
    }
    assertThat(slow.get(5, TimeUnit.SECONDS)).isSameAs(artifact);
    assertThat(cache.stats().compilations()).isEqualTo(2);
  }

  @Test
  void concurrentLoadsOfOneKey_compileOnce_andAFailureIsEachLoadersOwn() throws Exception {
    EngineArtifact artifact = artifact();
    ModuleCache cache = ModuleCache.create(64L << 20);
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    List<CompletableFuture<EngineArtifact>> loads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      loads.add(
          CompletableFuture.supplyAsync(
              () ->
                  cache.computeIfAbsent(
                      key("c"),
                      () -> {
                        int n = attempts.incrementAndGet();
                        started.countDown();
                        try {
                          Thread.sleep(50);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        throw new IllegalStateException("compilation " + n + " failed");
                      }),
              threads));
    }
    for (CompletableFuture<EngineArtifact> load : loads) {
      assertThatThrownBy(() -> load.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("failed");
    }
    assertThat(attempts.get()).isBetween(1, 6); // each waiter retried on its own after a failure
    assertThat(cache.stats().compilations()).isZero();
    // and a later load that succeeds is shared by everyone who waited on it
    AtomicInteger compiled = new AtomicInteger();
    List<CompletableFuture<EngineArtifact>> good = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < 6; i++) {
      good.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                return cache.computeIfAbsent(
                    key("c"),
                    () -> {
                      compiled.incrementAndGet();
                      try {
                        Thread.sleep(100);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return artifact;
                    });
              },
              threads));
    }
    go.countDown();
    for (CompletableFuture<EngineArtifact> load : good) {
      assertThat(load.get(10, TimeUnit.SECONDS)).isSameAs(artifact);
    }
    assertThat(compiled).hasValue(1);
    assertThat(cache.stats().compilations()).isEqualTo(1);
  }

  @Test
  void keysAreEqual_exactlyWhenEveryFieldIs() {
    ModuleCache.Key k = key("a");
    ModuleCache.Key same =
        new ModuleCache.Key(k.sha256(), k.terrarium(), k.engine(), k.mode(), k.metering(), k.canonicalNaNs(), k.fuelField());
    assertThat(same).isEqualTo(k).hasSameHashCodeAs(k);
    ExecutionMode otherMode = k.mode() == ExecutionMode.COMPILER ? ExecutionMode.INTERPRETER : ExecutionMode.COMPILER;
    List<ModuleCache.Key> others =
        List.of(
            key("b"),
            new ModuleCache.Key(k.sha256(), k.terrarium() + "x", k.engine(), k.mode(), k.metering(), k.canonicalNaNs(), k.fuelField()),
            new ModuleCache.Key(k.sha256(), k.terrarium(), k.engine() + "x", k.mode(), k.metering(), k.canonicalNaNs(), k.fuelField()),
            new ModuleCache.Key(k.sha256(), k.terrarium(), k.engine(), otherMode, k.metering(), k.canonicalNaNs(), k.fuelField()),
            new ModuleCache.Key(k.sha256(), k.terrarium(), k.engine(), k.mode(), k.metering() + "x", k.canonicalNaNs(), k.fuelField()),
            new ModuleCache.Key(k.sha256(), k.terrarium(), k.engine(), k.mode(), k.metering(), !k.canonicalNaNs(), k.fuelField()),
            new ModuleCache.Key(k.sha256(), k.terrarium(), k.engine(), k.mode(), k.metering(), k.canonicalNaNs(), !k.fuelField()));
    for (ModuleCache.Key other : others) {
      assertThat(other).isNotEqualTo(k);
      assertThat(k).isNotEqualTo(other);
    }
    assertThat(k).isNotEqualTo(null).isNotEqualTo(k.sha256());
  }
}
