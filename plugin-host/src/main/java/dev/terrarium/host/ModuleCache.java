package dev.terrarium.host;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.terrarium.host.cache.DiskStore;
import dev.terrarium.host.cache.StoredModule;
import dev.terrarium.host.engine.Compilation;
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
 *
 * <p>A cache can also keep compiled modules in a directory ({@link Builder#directory}), so that another process, or
 * the next run, loads a module's generated classes instead of compiling it again. Entries are authenticated with a
 * key kept outside the directory, and one that is corrupt, truncated or written by someone else is ignored with a
 * warning and compiled again (see docs/cache.md). The process-wide cache uses a directory when the system property
 * {@value #DIRECTORY_PROPERTY} names one.
 */
public final class ModuleCache {
  /** The bound of {@link #shared()}: 256 MiB of estimated heap and metaspace. */
  public static final long SHARED_MAXIMUM_WEIGHT = 256L * 1024 * 1024;

  /** The system property naming the directory of the process-wide cache's compiled modules (none when unset). */
  public static final String DIRECTORY_PROPERTY = "terrarium.cache.directory";

  /** The system property naming the key file of the process-wide cache's directory (default {@link #userKeyFile()}). */
  public static final String KEY_FILE_PROPERTY = "terrarium.cache.key";

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host.cache");

  /** Counts the caches made in the process (initialized before {@link #SHARED}, the first of them). */
  private static final java.util.concurrent.atomic.AtomicInteger CACHES = new java.util.concurrent.atomic.AtomicInteger();

  private static final ModuleCache SHARED = sharedCache();

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

    // Written out rather than generated: a record's generated equals and hashCode are bootstrapped through
    // invokedynamic on first use, which cost 12-17 ms of the first lookup in a fresh process (the command line's
    // load of a small plugin from the cache's directory, docs/performance.md).
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && sha256.equals(k.sha256)
          && terrarium.equals(k.terrarium)
          && engine.equals(k.engine)
          && mode == k.mode
          && metering.equals(k.metering)
          && canonicalNaNs == k.canonicalNaNs
          && fuelField == k.fuelField;
    }

    @Override
    public int hashCode() {
      return Objects.hash(sha256, terrarium, engine, mode, metering, canonicalNaNs, fuelField);
    }
  }

  /**
   * How a cache gets a module it does not hold: by compiling it, or (from its directory) by loading classes it
   * compiled before.
   */
  interface Loader {
    /**
     * Compiles the module; when {@code keepClasses}, the result keeps its generated classes, to be written to the
     * directory.
     */
    Compiled compile(boolean keepClasses);

    /**
     * Rebuilds the module from what an earlier compilation kept, without compiling.
     *
     * @throws RuntimeException or {@link LinkageError} when it cannot (the entry is then dropped)
     */
    EngineArtifact restore(StoredModule stored);
  }

  /**
   * What a {@link Loader} compiled.
   *
   * @param compilation the artifact and, when kept, its classes
   * @param rewritten the bytes compiled when the host rewrote the module, or {@code null} for the module's own
   */
  record Compiled(Compilation compilation, byte[] rewritten) {
    Compiled {
      Objects.requireNonNull(compilation, "compilation");
    }

    /** Returns what the persistent cache or a precompiled plugin keeps of it, under key text {@code keyText}. */
    StoredModule stored(String keyText) {
      EngineArtifact a = compilation.artifact();
      return new StoredModule(
          keyText,
          rewritten,
          a.metered(),
          a.fuelInMachine(),
          compilation.classBytes(),
          compilation.classJar(),
          compilation.interpreted());
    }
  }

  private final long maximumWeight;
  private final DiskStore disk;
  private final Cache<Key, EngineArtifact> cache;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder compilations = new LongAdder();
  private final LongAdder diskHits = new LongAdder();
  private final LongAdder diskWrites = new LongAdder();
  /** The compilations in progress, one per key. */
  private final java.util.concurrent.ConcurrentHashMap<Key, java.util.concurrent.CompletableFuture<EngineArtifact>>
      compiling = new java.util.concurrent.ConcurrentHashMap<>();

  /** Numbers this cache among those made in the process (for its meters' tag). */
  private final int number;

  private ModuleCache(long maximumWeight, DiskStore disk) {
    this.number = CACHES.incrementAndGet();
    this.maximumWeight = maximumWeight;
    this.disk = disk;
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
    return new ModuleCache(maximumWeightBytes, null);
  }

  /** Returns a builder of a cache: of a bound in memory and, optionally, a directory of compiled modules. */
  public static Builder builder() {
    return new Builder();
  }

  private static ModuleCache sharedCache() {
    String dir = System.getProperty(DIRECTORY_PROPERTY);
    if (dir != null && !dir.isBlank()) {
      try {
        Builder b = builder().maximumWeight(SHARED_MAXIMUM_WEIGHT).directory(java.nio.file.Path.of(dir));
        String keyFile = System.getProperty(KEY_FILE_PROPERTY);
        if (keyFile != null && !keyFile.isBlank()) {
          b.keyFile(java.nio.file.Path.of(keyFile));
        }
        return b.build();
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "the process-wide module cache cannot use the directory " + dir + " (" + e.getMessage()
                + "); it keeps compiled modules in memory only");
      }
    }
    return new ModuleCache(SHARED_MAXIMUM_WEIGHT, null);
  }

  /**
   * Returns the per-user directory for compiled modules: {@code $XDG_CACHE_HOME/terrarium}, or {@code
   * ~/.cache/terrarium} when that variable is unset or not absolute. (Caches do not use it unless told to; the
   * command line does.)
   */
  public static java.nio.file.Path userCacheDirectory() {
    return xdg("XDG_CACHE_HOME", ".cache").resolve("terrarium");
  }

  /**
   * Returns the per-user key file that authenticates cache entries, by default: {@code
   * $XDG_CONFIG_HOME/terrarium/cache.key}, or {@code ~/.config/terrarium/cache.key}. It is made (32 random
   * bytes, owner-only) on first use.
   */
  public static java.nio.file.Path userKeyFile() {
    return xdg("XDG_CONFIG_HOME", ".config").resolve("terrarium").resolve("cache.key");
  }

  private static java.nio.file.Path xdg(String variable, String fallback) {
    String value = System.getenv(variable);
    if (value != null && !value.isBlank()) {
      java.nio.file.Path p = java.nio.file.Path.of(value);
      if (p.isAbsolute()) {
        return p;
      }
    }
    return java.nio.file.Path.of(System.getProperty("user.home")).resolve(fallback);
  }

  /** Returns the directory this cache keeps compiled modules in, if any. */
  public java.util.Optional<java.nio.file.Path> directory() {
    return java.util.Optional.ofNullable(disk).map(DiskStore::directory);
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

  /** Returns the artifact for {@code key}, compiling it with {@code compiler} if no one has yet (never on disk). */
  EngineArtifact computeIfAbsent(Key key, Supplier<EngineArtifact> compiler) {
    return computeIfAbsent(
        key,
        new Loader() {
          @Override
          public Compiled compile(boolean keepClasses) {
            return new Compiled(new Compilation(compiler.get(), null, 0, null), null);
          }

          @Override
          public EngineArtifact restore(StoredModule stored) {
            throw new IllegalStateException("this loader keeps nothing to restore");
          }
        });
  }

  /**
   * Returns the artifact for {@code key}: held in memory, else loaded from this cache's directory, else compiled
   * by {@code loader} (and written to the directory) if no one has yet.
   */
  EngineArtifact computeIfAbsent(Key key, Loader loader) {
    return load(key, () -> loadOrCompile(key, loader));
  }

  /**
   * Returns the artifact for {@code key}, held in memory or else made by {@code restore} from a precompiled
   * plugin (neither a compilation nor a use of the directory).
   */
  EngineArtifact restoreIfAbsent(Key key, Supplier<EngineArtifact> restore) {
    return load(key, restore);
  }

  private EngineArtifact load(Key key, Supplier<EngineArtifact> producer) {
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
          a = producer.get();
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

  /**
   * Returns whether this cache's directory has an entry for {@code key} (not read or checked yet): a tiered host
   * loads such a module from it rather than interpreting it while it compiles.
   */
  boolean storedOnDisk(Key key) {
    return disk != null && key.mode() == ExecutionMode.COMPILER && disk.contains(entryName(key));
  }

  private static String entryName(Key key) {
    return PluginHost.sha256(keyText(key).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private EngineArtifact loadOrCompile(Key key, Loader loader) {
    if (disk == null || key.mode() != ExecutionMode.COMPILER) {
      EngineArtifact a = loader.compile(false).compilation().artifact();
      compilations.increment();
      return a;
    }
    String text = keyText(key);
    String name = entryName(key);
    byte[] entry = disk.get(name);
    if (entry != null) {
      try {
        StoredModule stored = StoredModule.decode(entry);
        if (!stored.key().equals(text)) {
          throw new IllegalArgumentException("it was stored for another key: " + stored.key().replace('\n', ' '));
        }
        EngineArtifact a = loader.restore(stored);
        diskHits.increment();
        return a;
      } catch (RuntimeException | LinkageError e) {
        LOG.log(
            System.Logger.Level.WARNING,
            "compiled module " + name + " in " + disk.directory() + " cannot be used (" + e
                + "); dropping it and compiling again");
        disk.remove(name);
      }
    }
    Compiled c = loader.compile(true);
    compilations.increment();
    Compilation compilation = c.compilation();
    if (compilation.classJar() != null) {
      disk.put(name, c.stored(text).encode());
      diskWrites.increment();
    }
    return compilation.artifact();
  }

  /**
   * Returns the text of {@code key} as its entry on disk is named and checked: every field, and the fingerprint of
   * this build of Terrarium (a snapshot version does not tell builds apart; the classes do).
   */
  static String keyText(Key key) {
    return String.join(
        "\n",
        "sha256=" + key.sha256(),
        "terrarium=" + key.terrarium(),
        "build=" + BuildFingerprint.VALUE,
        "engine=" + key.engine(),
        "mode=" + key.mode(),
        "metering=" + key.metering(),
        "canonicalNaNs=" + key.canonicalNaNs(),
        "fuelField=" + key.fuelField());
  }

  /**
   * Returns what differs between a key's text as {@link #keyText} wrote it ({@code stored}, e.g. that of a
   * precompiled plugin) and {@code key}, in words, or an empty list when they are the same.
   */
  static java.util.List<String> differences(String stored, Key key) {
    java.util.Map<String, String> theirs = fields(stored);
    java.util.Map<String, String> ours = fields(keyText(key));
    java.util.List<String> out = new java.util.ArrayList<>();
    for (var e : ours.entrySet()) {
      String field = e.getKey();
      String mine = e.getValue();
      String other = theirs.get(field);
      if (mine.equals(other)) {
        continue;
      }
      out.add(
          switch (field) {
            case "sha256" -> "its classes were compiled for another module (sha256 " + other + ")";
            case "terrarium" -> "it was compiled by " + other + ", but this host is " + mine;
            case "build" -> "it was compiled by another build of " + ours.get("terrarium") + " (build " + other
                + "; this host's is " + mine + ")";
            case "engine" -> "it was compiled for the engine " + other + ", but this host runs " + mine;
            case "mode" -> "it was compiled for execution mode " + other + ", but this host runs " + mine;
            case "metering" ->
                "unmetered".equals(other)
                    ? "it was compiled without fuel metering, but this host meters fuel (" + mine + ")"
                    : "unmetered".equals(mine)
                        ? "it was compiled for fuel metering " + other + ", but this host does not meter"
                        : "it was compiled for fuel metering " + other + ", but this host meters with " + mine;
            case "canonicalNaNs" ->
                "it was compiled " + ("true".equals(other) ? "with" : "without")
                    + " NaN canonicalisation, but this host " + ("true".equals(mine) ? "canonicalises" : "does not");
            case "fuelField" -> "it was compiled with the fuel counter " + ("true".equals(other) ? "in" : "outside")
                + " the machine, but this host keeps it " + ("true".equals(mine) ? "in" : "outside")
                + " (-Dterrarium.fuelField)";
            default -> field + " is " + other + ", but this host has " + mine;
          });
    }
    return out;
  }

  private static java.util.Map<String, String> fields(String text) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return m;
  }

  /** Drops every cached module (plugins already loaded keep theirs). */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** Returns a snapshot of this cache's counters and contents, over every host that uses it. */
  /** The value of the {@code cache} tag of this cache's meters. */
  String metricsName() {
    return this == SHARED ? "terrarium.modules" : "terrarium.modules." + number;
  }

  /** The Caffeine cache behind this one, for Micrometer's binder. */
  Cache<Key, EngineArtifact> caffeine() {
    return cache;
  }

  public CacheStats stats() {
    cache.cleanUp();
    long weight = cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
    return new CacheStats(
        hits.sum(),
        misses.sum(),
        compilations.sum(),
        diskHits.sum(),
        diskWrites.sum(),
        cache.stats().evictionCount(),
        cache.estimatedSize(),
        weight);
  }

  /** Builds a {@link ModuleCache}; each setter validates its value and names it when it is bad. */
  public static final class Builder {
    private long maximumWeight = SHARED_MAXIMUM_WEIGHT;
    private java.nio.file.Path directory;
    private java.nio.file.Path keyFile;

    private Builder() {}

    /**
     * Bounds the cache in memory by {@code bytes} of estimated heap and metaspace (0 holds nothing in memory).
     * Default: {@link #SHARED_MAXIMUM_WEIGHT}.
     *
     * @throws IllegalArgumentException when it is negative
     */
    public Builder maximumWeight(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("the module cache's maximum weight must not be negative, was " + bytes);
      }
      this.maximumWeight = bytes;
      return this;
    }

    /**
     * Keeps compiled modules (compiler mode) in {@code directory} too, created owner-only when missing, so that
     * other processes and later runs given the same directory and key load them without compiling. The
     * directory must be the user's alone (no group or other permissions).
     */
    public Builder directory(java.nio.file.Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Sets the file of the key that authenticates the directory's entries (created when missing). It must lie
     * outside the directory. Default: {@link #userKeyFile()}.
     */
    public Builder keyFile(java.nio.file.Path keyFile) {
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      return this;
    }

    /**
     * Builds the cache, opening its directory.
     *
     * @throws IllegalStateException when the directory or key cannot be opened, or others may read or write them
     * @throws IllegalArgumentException when the key file lies inside the directory or is not a key
     */
    public ModuleCache build() {
      if (keyFile != null && directory == null) {
        throw new IllegalStateException("a key file was set (" + keyFile + ") but no directory");
      }
      DiskStore store = directory == null ? null : DiskStore.open(directory, keyFile != null ? keyFile : userKeyFile());
      return new ModuleCache(maximumWeight, store);
    }
  }

  @Override
  public String toString() {
    return "ModuleCache[maximumWeightBytes=" + maximumWeight
        + (disk == null ? "" : ", directory=" + disk.directory()) + ", " + stats() + "]";
  }
}
