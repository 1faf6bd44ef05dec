package dev.terrarium.host.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.terrarium.host.CacheStats;
import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.engine.EngineArtifact;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The in-memory cache of compiled modules, keyed by (SHA-256, engine version, execution mode, fuel cost model) and weighed by
 * the size of the module's binary. Compilation of one key happens at most once at a time; concurrent loads of
 * the same bytes wait for it and share the result.
 */
public final class ModuleCache {
  /**
   * The identity of a compiled module.
   *
   * @param sha256 the module's hash
   * @param engine the engine and its version
   * @param mode how it runs
   * @param metering the fuel cost model's key, or {@code "unmetered"}
   */
  public record Key(String sha256, String engine, ExecutionMode mode, String metering) {
    public Key {
      Objects.requireNonNull(sha256, "sha256");
      Objects.requireNonNull(engine, "engine");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(metering, "metering");
    }
  }

  private final Cache<Key, EngineArtifact> cache;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder compilations = new LongAdder();

  public ModuleCache(long maximumWeightBytes) {
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maximumWeightBytes)
            .weigher((Key k, EngineArtifact v) -> (int) Math.min(Integer.MAX_VALUE, Math.max(1, v.description().size())))
            .recordStats()
            .build();
  }

  /** Returns the cached artifact, counting a hit, or {@code null}, counting a miss. */
  public EngineArtifact lookup(Key key) {
    EngineArtifact a = cache.getIfPresent(key);
    (a == null ? misses : hits).increment();
    return a;
  }

  /** Returns the artifact for {@code key}, compiling it with {@code compiler} if no one has yet. */
  public EngineArtifact computeIfAbsent(Key key, Supplier<EngineArtifact> compiler) {
    return cache.asMap()
        .computeIfAbsent(
            key,
            k -> {
              EngineArtifact a = compiler.get();
              compilations.increment();
              return a;
            });
  }

  /** Drops every cached module. */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  public CacheStats stats() {
    cache.cleanUp();
    long weight = cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    return new CacheStats(
        hits.sum(),
        misses.sum(),
        compilations.sum(),
        cache.stats().evictionCount(),
        cache.estimatedSize(),
        weight);
  }
}
