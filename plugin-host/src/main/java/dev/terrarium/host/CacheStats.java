package dev.terrarium.host;

/**
 * A snapshot of the compiled-module cache.
 *
 * @param hits loads served from the cache
 * @param misses loads that had to compile
 * @param compilations modules compiled (equal to misses unless a compilation failed)
 * @param evictions modules dropped to stay within the weight bound
 * @param entries modules held now
 * @param weightBytes the summed size of the held modules' binaries
 */
public record CacheStats(
    long hits, long misses, long compilations, long evictions, long entries, long weightBytes) {}
