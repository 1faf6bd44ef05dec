package dev.terrarium.host;

/**
 * A snapshot of a {@link ModuleCache}, counting the loads of every host that uses it.
 *
 * @param hits loads served from the cache
 * @param misses loads that did not find their module compiled
 * @param compilations modules compiled (fewer than misses when a compilation failed or concurrent loads of the
 *     same module waited for one compilation)
 * @param diskHits modules loaded from the cache's directory instead of being compiled
 * @param diskWrites compiled modules written to the cache's directory
 * @param evictions modules dropped to stay within the weight bound
 * @param entries modules held now
 * @param weightBytes the summed weight of the held modules: an estimate of the heap and metaspace they keep alive
 */
public record CacheStats(
    long hits,
    long misses,
    long compilations,
    long diskHits,
    long diskWrites,
    long evictions,
    long entries,
    long weightBytes) {}
