package dev.terrarium.host;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.terrarium.host.engine.EngineArtifact;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A cache of compiled modules that any number of {@link PluginHost}s can share. Every host uses {@link #shared()},
 * the process-wide one, unless its builder is given another ({@link PluginHost.Builder#moduleCache}); hosts that
 * share a cache compile each module once for all of them when they run it the same way (same engine, execution
 * mode, fuel cost model and accounting, float options). A compiled module holds nothing of the host that compiled
 * it: host functions, grants and limits are applied per plugin.
 *
 * <p>The cache is bounded by weight: each module weighs an estimate of the heap and metaspace it keeps alive (its
 * binary, its parsed form, and the JVM classes generated for it), which for a compiled module is typically tens of
 * times its binary's size. The least useful modules are evicted to stay under the bound. Compilation of one module
 * happens at most once at a time; concurrent loads of the same bytes wait for it and share the result. Closing a
 * host leaves the cache as it is; {@link #invalidateAll()} empties it.
 */
public final class ModuleCache {
  /** The bound of {@link #shared()}: 256 MiB of estimated heap and metaspace. */
  public static final long SHARED_MAXIMUM_WEIGHT = 256L * 1024 * 1024;

  private static final ModuleCache SHARED = new ModuleCache(SHARED_MAXIMUM_WEIGHT);

  /**
   * The identity of a compiled module: everything that changes what compiling it produces.
   *
   * @param sha256 the module's hash
   * @param terrarium Terrarium's version (its rewriters and compiler passes)
   * @param engine the engine and its version
   * @param mode how it runs
   * @param metering the fuel cost model's key (with its accounting), or {@code "unmetered"}
   * @param canonicalNaNs whether float results are canonicalised
   * @param fuelField whether a metered module's counter is a field of the compiled machine
   */
  record Key(
      String sha256,
      String terrarium,
      String engine,
      ExecutionMode mode,
      String metering,
      boolean canonicalNaNs,
      boolean fuelField) {
    Key {
      Objects.requireNonNull(sha256, "sha256");
      Objects.requireNonNull(terrarium, "terrarium");
      Objects.requireNonNull(engine, "engine");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(metering, "metering");
    }
  }

  private final long maximumWeight;
  private final Cache<Key, EngineArtifact> cache;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder compilations = new LongAdder();
  /** The compilations in progress, one per key. */
  private final java.util.concurrent.ConcurrentHashMap<Key, java.util.concurrent.CompletableFuture<EngineArtifact>>
      compiling = new java.util.concurrent.ConcurrentHashMap<>();

  private ModuleCache(long maximumWeight) {
    this.maximumWeight = maximumWeight;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maximumWeight)
            .weigher((Key k, EngineArtifact v) -> (int) Math.min(Integer.MAX_VALUE, Math.max(1, v.weight())))
            .recordStats()
            .build();
  }

  /** Returns the process-wide cache, bounded by {@link #SHARED_MAXIMUM_WEIGHT}, that hosts use by default. */
  public static ModuleCache shared() {
    return SHARED;
  }

  /**
   * Returns a new cache bounded by {@code maximumWeightBytes} of estimated heap and metaspace (0 caches nothing),
   * for a host, or a group of hosts, that should not share the process-wide one.
   *
   * @throws IllegalArgumentException when the bound is negative
   */
  public static ModuleCache create(long maximumWeightBytes) {
    if (maximumWeightBytes < 0) {
      throw new IllegalArgumentException(
          "the module cache's maximum weight must not be negative, was " + maximumWeightBytes);
    }
    return new ModuleCache(maximumWeightBytes);
  }

  /** Returns the bound on the summed weight of the cached modules, in bytes. */
  public long maximumWeightBytes() {
    return maximumWeight;
  }

  /** Returns the cached artifact, counting a hit, or {@code null}, counting a miss. */
  EngineArtifact lookup(Key key) {
    EngineArtifact a = cache.getIfPresent(key);
    (a == null ? misses : hits).increment();
    return a;
  }

  /** Returns the artifact for {@code key}, compiling it with {@code compiler} if no one has yet. */
  EngineArtifact computeIfAbsent(Key key, Supplier<EngineArtifact> compiler) {
    // Compilation runs outside the map's locks (a large module takes minutes to compile, and a map's compute
    // function would hold up every other key in its bin for that long). One loader per key compiles; the others
    // wait for its result, and compile themselves only if it failed, so that each sees its own error.
    while (true) {
      EngineArtifact cached = cache.getIfPresent(key);
      if (cached != null) {
        return cached;
      }
      java.util.concurrent.CompletableFuture<EngineArtifact> mine = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.CompletableFuture<EngineArtifact> other = compiling.putIfAbsent(key, mine);
      if (other != null) {
        try {
          return other.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
          continue; // the other loader failed: try again, and meet the failure (or success) first-hand
        }
      }
      try {
        EngineArtifact a = cache.getIfPresent(key); // compiled between our look and our claim
        if (a == null) {
          a = compiler.get();
          compilations.increment();
          cache.put(key, a);
        }
        mine.complete(a);
        return a;
      } catch (RuntimeException | Error e) {
        mine.completeExceptionally(e);
        throw e;
      } finally {
        compiling.remove(key, mine);
      }
    }
  }


  /** Drops every cached module (plugins already loaded keep theirs). */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** Returns a snapshot of this cache's counters and contents, over every host that uses it. */
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

  @Override
  public String toString() {
    return "ModuleCache[maximumWeightBytes=" + maximumWeight + ", " + stats() + "]";
  }
}
