package dev.terrarium.cli;

import dev.terrarium.host.ModuleCache;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the CLI keeps compiled modules: {@code --cache-dir DIR}, else {@code $TERRARIUM_CACHE_DIR}, else the per-user
 * cache directory ({@link ModuleCache#userCacheDirectory()}); {@code --no-cache} keeps them in memory only.
 */
final class CacheOptions {
  /** The environment variable naming the cache directory. */
  static final String ENV = "TERRARIUM_CACHE_DIR";

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description = "Keep compiled modules in DIR, so that the next run loads them without compiling. Default:"
          + " $TERRARIUM_CACHE_DIR, else $XDG_CACHE_HOME/terrarium, else ~/.cache/terrarium. Entries are"
          + " authenticated with the key in $XDG_CONFIG_HOME/terrarium/cache.key (~/.config/terrarium/cache.key).")
  Path directory;

  @Option(names = "--no-cache", description = "Compile the module in memory only: neither read nor write the cache.")
  boolean disabled;

  /** Returns the directory to use, or {@code null} with {@code --no-cache}. */
  Path resolve(Map<String, String> env) {
    if (disabled) {
      if (directory != null) {
        throw new UsageException("--no-cache and --cache-dir " + directory + " contradict each other; give one");
      }
      return null;
    }
    if (directory != null) {
      return directory;
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return ModuleCache.userCacheDirectory();
  }

  /**
   * Returns the module cache to load through: one on the resolved directory, or in memory only when there is none
   * or it cannot be used (then {@code io} gets a warning and the run goes on).
   */
  ModuleCache open(Map<String, String> env, Streams io) {
    Path dir = resolve(env);
    if (dir != null) {
      try {
        return ModuleCache.builder().directory(dir).build();
      } catch (RuntimeException e) {
        io.note("warning: not using the compiled-module cache in " + dir + ": " + e.getMessage()
            + " (use --cache-dir DIR or --no-cache)");
      }
    }
    return ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT);
  }
}
