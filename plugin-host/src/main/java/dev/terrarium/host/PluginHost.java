package dev.terrarium.host;

import dev.terrarium.api.HashMismatchException;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.HostFunction;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.ManifestException;
import dev.terrarium.api.ModuleTooLargeException;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.fs.MemoryFileSystem;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FloatRewriter;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.host.metering.FunctionSplitter;
import dev.terrarium.host.metering.MeteringException;
import dev.terrarium.host.quota.FuelAccount;
import dev.terrarium.host.quota.FuelLedger;
import dev.terrarium.host.quota.InMemoryFuelLedger;
import dev.terrarium.host.cache.Precompiled;
import dev.terrarium.host.cache.SigningKeys;
import dev.terrarium.host.cache.StoredModule;
import dev.terrarium.host.capability.CapabilityCheck;
import dev.terrarium.host.capability.HostDefinitions;
import dev.terrarium.api.HostGlobalDefinition;
import dev.terrarium.api.HostTableDefinition;
import dev.terrarium.host.engine.Engine;
import dev.terrarium.host.engine.EngineArtifact;
import dev.terrarium.host.engine.InstanceContext;
import dev.terrarium.host.engine.ParsedModule;
import dev.terrarium.host.internal.GuestThreads;
import dev.terrarium.host.internal.HostMetrics;
import dev.terrarium.host.metrics.TerrariumMetrics;
import dev.terrarium.host.internal.Watchdog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.Set;

/**
 * The entry point: loads WebAssembly plugins, checks them against what this host grants, compiles each module
 * once into a {@link ModuleCache} (by default the one every host of the process shares), and hands out {@link
 * Plugin}s to instantiate. Thread-safe; close it to stop its watchdog and guest threads.
 *
 * <pre>{@code
 * try (PluginHost host = PluginHost.builder()
 *     .grants(Grants.builder().wasi(WasiCapability.STDIO).build())
 *     .limits(PluginLimits.builder().maxMemoryPages(256).callTimeout(Duration.ofSeconds(2)).build())
 *     .build()) {
 *   Plugin plugin = host.load(Path.of("plugins/echo.wasm"));
 *   try (PluginInstance instance = plugin.instantiate()) {
 *     long[] sum = instance.call("add", 1, 2);
 *   }
 * }
 * }</pre>
 */
public final class PluginHost implements AutoCloseable {
  /** The default limits: 256 MiB of memory (4096 pages), 64 MiB modules, no deadline, the caller's stack. */
  public static final PluginLimits DEFAULT_LIMITS =
      PluginLimits.builder().maxMemoryPages(4096).maxModuleBytes(64L * 1024 * 1024).build();

  /**
   * The bound of the process-wide compiled-module cache, in bytes of estimated heap and metaspace.
   *
   * @deprecated use {@link ModuleCache#SHARED_MAXIMUM_WEIGHT}
   */
  @Deprecated
  public static final long DEFAULT_CACHE_BYTES = ModuleCache.SHARED_MAXIMUM_WEIGHT;

  /** How often a {@link CompileListener} hears of a compile still running, by default: every second. */
  public static final java.time.Duration DEFAULT_PROGRESS_INTERVAL = java.time.Duration.ofSeconds(1);

  /** Terrarium's version (from the build), part of every compiled-module cache key. */
  static final String VERSION = terrariumVersion();

  private final Grants grants;
  private final PluginLimits limits;
  private final ExecutionMode mode;
  private final Map<String, HostFunctionDefinition> hostFunctions;
  private final HostDefinitions hostDefinitions;
  private final ModuleCache cache;
  /** Whether {@link #cache} was made for this host alone (then {@link #close()} empties it). */
  private final boolean privateCache;
  /** Whether metered modules keep their fuel counter in the compiled machine (read when the host was built). */
  private final boolean fuelField;
  /**
   * Whether metered modules have their large functions split ({@link FunctionSplitter}): on a compiling host (a
   * tiered one too: its compiled tier is built from the same bytes), unless the system property {@code
   * terrarium.splitFunctions} is {@code false} when the host is built (for comparisons). An interpreting host
   * never compiles, so the split would only cost it load time (about 9 s of yosys's 43 s).
   */
  private final boolean splitFunctions;
  /**
   * Whether metered modules pay for counted loops by the chunk ({@code metering.CountedLoop}): unless the system
   * property {@code terrarium.countedLoops} is {@code false} when the host is built (for comparisons).
   */
  private final boolean countedLoops;
  /**
   * Whether bounded loops of metered modules get a copy without counter tests ({@code metering.BoundedLoop}):
   * unless the system property {@code terrarium.boundedLoops} is {@code false} when the host is built (for
   * comparisons).
   */
  private final boolean boundedLoops;
  /**
   * Whether compiled EXACT-metered modules keep their counters in locals, stored by a handler at a trap ({@code
   * FuelRewriter.rewriteWithTrapFlush}, {@code engine.TrapFlush}), unless the system property {@code
   * terrarium.trapFlush} is {@code false} when the host is built (for comparisons). Charges are the same either way.
   */
  private final boolean trapFlush;
  /**
   * Whether the charges of metered modules outside loops may skip their counter test ({@code
   * FuelRewriter.DEFERRED_MAX}), unless the system property {@code terrarium.deferredTests} is {@code false} when the
   * host is built (for comparisons). Charges are the same either way.
   */
  private final boolean deferredTests;
  /**
   * The largest module that is compiled with trap flushing. When FuelField cannot compile a trap-flushing rewrite
   * (a function Endive leaves to its interpreter, which happens in very large modules), the module is rewritten
   * again without; a rewrite of a module of tens of megabytes takes tens of seconds, so those keep the global from
   * the start.
   */
  private static final int TRAP_FLUSH_MAX_MODULE_BYTES = 4 << 20;
  private final Watchdog watchdog;
  private final CostModel costModel;
  private final boolean canonicalNaNs;
  private final long tenantMaxBytes;
  private final long tenantMaxEntries;
  private final FuelLedger ledger;
  /** What this host records its metrics through, or {@code null} when it records none. */
  private final HostMetrics metrics;
  private final java.util.concurrent.ConcurrentMap<String, Tenant> tenants =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final GuestThreads guestThreads;
  private final long fuelSlice;
  private final Tiering tiering;
  private final Compiles compiles;
  /** The keys whose precompiled plugins this host accepts, besides the user's ({@link #trustedKeys()}). */
  private final List<java.security.PublicKey> trustedPrecompiled;

  private PluginHost(Builder b) {
    Set<String> modules = new LinkedHashSet<>(b.grants.hostModules());
    for (HostFunctionDefinition d : b.hostFunctions.values()) {
      modules.add(d.module());
    }
    b.hostGlobals.values().forEach(g -> modules.add(g.module()));
    b.hostTables.values().forEach(t -> modules.add(t.module()));
    this.grants = new Grants(modules, b.grants.wasi(), b.grants.mounts());
    this.limits = b.limits;
    this.mode = b.mode;
    this.hostFunctions = Map.copyOf(b.hostFunctions);
    this.hostDefinitions = new HostDefinitions(b.hostGlobals, b.hostTables);
    this.privateCache = b.cache == null && b.cacheBytes >= 0;
    this.cache = b.cache != null ? b.cache : b.cacheBytes >= 0 ? ModuleCache.create(b.cacheBytes) : ModuleCache.shared();
    this.fuelField = ParsedModule.fuelFieldProperty();
    this.splitFunctions =
        mode == ExecutionMode.COMPILER && !"false".equals(System.getProperty("terrarium.splitFunctions"));
    this.countedLoops = !"false".equals(System.getProperty("terrarium.countedLoops"));
    this.boundedLoops = !"false".equals(System.getProperty("terrarium.boundedLoops"));
    this.trapFlush = !"false".equals(System.getProperty("terrarium.trapFlush"));
    this.deferredTests = !"false".equals(System.getProperty("terrarium.deferredTests"));
    this.watchdog = new Watchdog("terrarium-watchdog");
    this.costModel = b.costModel;
    this.canonicalNaNs = b.canonicalNaNs;
    this.ledger = b.ledger != null ? b.ledger : new InMemoryFuelLedger();
    TerrariumMetrics given = b.metrics;
    if (given == null && !b.meterRegistries.isEmpty()) {
      given = TerrariumMetrics.create();
    }
    if (given != null) {
      b.meterRegistries.forEach(given::bindTo);
    }
    this.metrics = given == null ? null : HostMetrics.of(given);
    if (metrics != null) {
      metrics.cache(this.cache.metricsName(), this.cache.caffeine(), this.cache::stats);
    }
    this.tenantMaxBytes = b.tenantMaxBytes;
    this.tenantMaxEntries = b.tenantMaxEntries;
    this.guestThreads = new GuestThreads("terrarium-guest");
    this.fuelSlice = b.fuelSlice;
    this.tiering = b.tiering;
    this.compiles =
        new Compiles(this.cache, compileListener(b.compileListener, metrics), b.progressInterval, "terrarium");
    this.trustedPrecompiled = List.copyOf(b.trustedPrecompiled);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Returns what this host grants (host modules of registered functions included). */
  public Grants grants() {
    return grants;
  }

  /** Returns the host's limits, the ceiling for every plugin. */
  public PluginLimits limits() {
    return limits;
  }

  public ExecutionMode executionMode() {
    return mode;
  }

  /**
   * Returns which modules start in the interpreter while they compile in the background (for a host in {@link
   * ExecutionMode#COMPILER} mode; a host that interprets never compiles).
   */
  public Tiering tiering() {
    return tiering;
  }

  Map<String, HostFunctionDefinition> hostFunctions() {
    return hostFunctions;
  }

  HostDefinitions hostDefinitions() {
    return hostDefinitions;
  }

  Watchdog watchdog() {
    return watchdog;
  }

  GuestThreads guestThreads() {
    return guestThreads;
  }

  /** Returns the fuel a metered call draws from its tenant's ledger at a time (see {@link Builder#fuelSlice}). */
  public long fuelSlice() {
    return fuelSlice;
  }

  /** Whether this host meters with {@link CostModel.Accounting#FAST}. */
  boolean fastFuel() {
    return costModel != null && costModel.accounting() == CostModel.Accounting.FAST;
  }

  /** Returns whether this host meters fuel (see {@link Builder#meterFuel()}). */
  public boolean metersFuel() {
    return costModel != null;
  }

  /** What this host records its metrics through, or {@code null} when it records none. */
  HostMetrics metrics() {
    return metrics;
  }

  /** The application's compile listener and the metrics' (either may be missing), as one. */
  private static CompileListener compileListener(CompileListener application, HostMetrics metrics) {
    CompileListener timing = metrics == null ? null : metrics.compiles();
    if (application == null || timing == null) {
      return application != null ? application : timing;
    }
    return event -> {
      try {
        timing.onCompile(event);
      } finally {
        application.onCompile(event);
      }
    };
  }

  private final java.util.concurrent.atomic.AtomicLong instanceIds = new java.util.concurrent.atomic.AtomicLong();

  /** Returns a new instance id, unique among this host's instances. */
  long nextInstanceId() {
    return instanceIds.incrementAndGet();
  }

  boolean owns(Tenant tenant) {
    return tenants.get(tenant.id()) == tenant;
  }

  /**
   * Returns the tenant {@code id}, creating it with unlimited fuel the first time: for a host that does not
   * meter fuel, where a tenant is the owner of a {@linkplain Tenant#fileSystem() file system}.
   *
   * @throws IllegalArgumentException when the tenant exists with another policy
   */
  public Tenant tenant(String id) {
    return tenant(id, FuelPolicy.unlimited());
  }

  /**
   * Returns the tenant {@code id}, creating it with {@code policy} the first time.
   *
   * @throws IllegalArgumentException when the tenant exists with another policy
   */
  public Tenant tenant(String id, FuelPolicy policy) {
    Objects.requireNonNull(id, "tenant id");
    Objects.requireNonNull(policy, "policy");
    if (id.isBlank()) {
      throw new IllegalArgumentException("tenant id must not be blank");
    }
    Tenant t =
        tenants.computeIfAbsent(
            id,
            k -> {
              Tenant created = new Tenant(new FuelAccount(k, policy, ledger), tenantMaxBytes, tenantMaxEntries);
              if (metrics != null) {
                metrics.tenant(created);
              }
              return created;
            });
    if (!t.policy().equals(policy)) {
      throw new IllegalArgumentException(
          "tenant '" + id + "' already exists with policy " + t.policy() + ", not " + policy);
    }
    return t;
  }

  /**
   * Returns a snapshot of this host's compiled-module cache: of every host that shares it (the process-wide one
   * unless the builder was given another).
   */
  public CacheStats cacheStats() {
    return cache.stats();
  }

  /** Returns the compiled-module cache this host loads through. */
  public ModuleCache moduleCache() {
    return cache;
  }

  private static String terrariumVersion() {
    try (java.io.InputStream in = PluginHost.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank() && !v.startsWith("$")) {
          return "terrarium-" + v;
        }
      }
    } catch (IOException e) {
      // fall through: an unknown version still keys every module, only without telling builds apart
    }
    return "terrarium-unknown";
  }

  /**
   * Loads a plugin whose manifest is embedded in the module (custom section {@code terrarium.manifest}). A
   * module without one gets an anonymous manifest that requests nothing.
   */
  public Plugin load(byte[] module) {
    return load(module, null, null, null);
  }

  /**
   * Loads a plugin with the manifest embedded in the module or, when it embeds none, with {@code
   * whenNoneEmbedded} (whose pinned hash, if any, is checked like any other). The module is parsed once.
   */
  public Plugin loadWithDefaultManifest(byte[] module, PluginManifest whenNoneEmbedded) {
    return load(module, null, null, Objects.requireNonNull(whenNoneEmbedded, "whenNoneEmbedded"));
  }

  /** Loads a plugin with the given manifest (which wins over any embedded one). */
  public Plugin load(byte[] module, PluginManifest manifest) {
    return load(module, Objects.requireNonNull(manifest, "manifest"), null, null);
  }

  /**
   * Loads a plugin from a file. Its manifest is, in order: {@code NAME.manifest.json} beside {@code NAME.wasm},
   * the embedded one, or an anonymous manifest named after the file.
   */
  public Plugin load(Path module) {
    PluginManifest manifest = null;
    Path beside = besideManifest(module);
    String fileName = module.getFileName().toString();
    if (Files.isRegularFile(beside)) {
      manifest = Manifests.read(beside, PluginManifest.idFromFileName(fileName));
    }
    return load(readFile(module, manifest == null ? PluginManifest.idFromFileName(fileName) : manifest.id()),
        manifest, fileName, null);
  }

  /** Loads a plugin from a file with the given manifest. */
  public Plugin load(Path module, PluginManifest manifest) {
    Objects.requireNonNull(manifest, "manifest");
    return load(readFile(module, manifest.id()), manifest, module.getFileName().toString(), null);
  }

  /**
   * Loads a plugin from a stream, reading at most the host's maximum module size (the stream is not closed).
   *
   * @param manifest the manifest, or {@code null} to use the embedded one
   */
  public Plugin load(InputStream module, PluginManifest manifest) {
    // Before the bytes are read there is no hash to name an anonymous plugin by.
    String id = manifest == null ? "anonymous" : manifest.id();
    long max = limits.maxModuleBytes() == null ? Integer.MAX_VALUE - 8 : limits.maxModuleBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[16384];
    long total = 0;
    try {
      int n;
      while ((n = module.read(buffer)) > 0) {
        total += n;
        if (total > max) {
          throw new ModuleTooLargeException(id, -1, max);
        }
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new PluginLoadException(ErrorCode.LOAD_IO, id, "reading the module failed: " + e + ".", e);
    }
    return load(out.toByteArray(), manifest, null, null);
  }

  /**
   * Returns the manifest path that {@link #load(Path)} looks for beside {@code module}: {@code NAME.manifest.json}
   * for {@code NAME.wasm} and for {@code NAME.twasm} (a precompiled plugin shares its module's manifest).
   */
  public static Path besideManifest(Path module) {
    Path fileName = module.getFileName();
    if (fileName == null) {
      throw new PluginLoadException(ErrorCode.LOAD_IO, "anonymous", "the path " + module + " names no file.", null);
    }
    String name = fileName.toString();
    String base =
        name.endsWith(".wasm") ? name.substring(0, name.length() - 5)
            : name.endsWith(".twasm") ? name.substring(0, name.length() - 6) : name;
    return module.resolveSibling(base + ".manifest.json");
  }

  private byte[] readFile(Path module, String pluginId) {
    try {
      long size = Files.size(module);
      if (limits.maxModuleBytes() != null && size > limits.maxModuleBytes()) {
        throw new ModuleTooLargeException(pluginId, size, limits.maxModuleBytes());
      }
      return Files.readAllBytes(module);
    } catch (NoSuchFileException e) {
      throw new PluginLoadException(
          ErrorCode.LOAD_IO, pluginId, "the module file " + module + " does not exist.", e);
    } catch (IOException e) {
      throw new PluginLoadException(
          ErrorCode.LOAD_IO, pluginId, "the module file " + module + " could not be read: " + e + ".", e);
    }
  }

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host");

  private Plugin load(byte[] file, PluginManifest given, String fileName, PluginManifest fallback) {
    Objects.requireNonNull(file, "module");
    long start = System.nanoTime();
    try {
      Plugin plugin = loadChecked(file, given, fileName, fallback);
      if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
        LOG.log(
            System.Logger.Level.DEBUG,
            "loaded " + plugin + (plugin.compiled() ? ", compiled" : ", interpreted") + ", in "
                + (System.nanoTime() - start) / 1_000_000 + " ms");
      }
      return plugin;
    } catch (dev.terrarium.api.CapabilityDeniedException e) {
      LOG.log(System.Logger.Level.WARNING, "denied: " + e.getMessage());
      throw e;
    } catch (dev.terrarium.api.PluginException e) {
      LOG.log(System.Logger.Level.INFO, "load refused: " + e.getMessage());
      throw e;
    }
  }

  private Plugin loadChecked(byte[] file, PluginManifest given, String fileName, PluginManifest fallback) {
    byte[] bytes = file;
    StoredModule precompiled = null;
    if (Precompiled.isPrecompiled(file)) {
      String id =
          given != null ? given.id() : fallback != null ? fallback.id()
              : fileName != null ? PluginManifest.idFromFileName(fileName) : "precompiled";
      Precompiled p = Precompiled.read(file, trustedKeys(), id);
      bytes = p.module();
      precompiled = p.stored();
    }
    String sha256 = sha256(bytes);
    // The id failures name until the manifest is known: the given manifest's, else the one the module gets when
    // it embeds none (a module that cannot be parsed has no embedded manifest to read an id from).
    String givenId =
        given != null ? given.id() : fallback != null ? fallback.id() : anonymousId(sha256, fileName);
    if (limits.maxModuleBytes() != null && bytes.length > limits.maxModuleBytes()) {
      throw new ModuleTooLargeException(givenId, bytes.length, limits.maxModuleBytes());
    }
    if (given != null && given.sha256() != null && !given.sha256().equals(sha256)) {
      throw new HashMismatchException(givenId, given.sha256(), sha256);
    }
    ModuleCache.Key key = cacheKey(sha256);
    if (precompiled != null) {
      List<String> differences = ModuleCache.differences(precompiled.key(), key);
      if (!differences.isEmpty()) {
        throw new PluginLoadException(
            ErrorCode.LOAD_PRECOMPILED,
            givenId,
            "the precompiled plugin does not match this host: " + String.join("; ", differences)
                + ". Precompile it again for this host's configuration (terrarium compile with the same"
                + " options), or load the .wasm module.",
            null);
      }
    }
    EngineArtifact artifact = cache.lookup(key);
    ParsedModule parsed = null;
    ModuleDescription description;
    // A module the cache's directory holds was validated when it was compiled and stored (same hash, same build of
    // Terrarium; the entry is authenticated when it is read), and so was a precompiled plugin's (whose signature was
    // checked above): such a module is parsed without validating it again, and without its function bodies, which
    // its stored classes replace (only a description is needed until the classes are loaded). Should a directory
    // entry turn out unusable, the module is parsed in full and validated before it is compiled (ModuleLoader).
    boolean fromClasses = false;
    if (artifact == null) {
      fromClasses = precompiled != null || (mode == ExecutionMode.COMPILER && cache.storedOnDisk(key));
      if (fromClasses) {
        try {
          parsed = Engine.parseWithoutBodies(givenId, bytes, sha256, f -> false);
        } catch (dev.terrarium.api.PluginException e) {
          fromClasses = false; // not a module its classes can serve: the full parse below says what is wrong
        }
      }
      if (!fromClasses) {
        parsed = Engine.parse(givenId, bytes, sha256);
      }
      description = parsed.description();
    } else {
      description = artifact.description();
    }
    PluginManifest manifest =
        given != null ? given : embeddedOrFallback(description, fileName, fallback, givenId);
    PluginLimits effectiveLimits = limits.narrowedBy(manifest.limits());
    if (effectiveLimits.maxModuleBytes() != null && bytes.length > effectiveLimits.maxModuleBytes()) {
      throw new ModuleTooLargeException(manifest.id(), bytes.length, effectiveLimits.maxModuleBytes());
    }
    CapabilityCheck.check(
        manifest.id(), description.imports(), grants, manifest.capabilities(), hostFunctions, hostDefinitions);
    Grants effective = effectiveGrants(manifest);
    if (artifact == null) {
      String id = manifest.id();
      ModuleLoader loader = new ModuleLoader(bytes, sha256, id, parsed, !fromClasses, description);
      if (precompiled != null) {
        StoredModule stored = precompiled;
        artifact = cache.restoreIfAbsent(key, () -> restorePrecompiled(loader, stored, id));
      } else {
        Compiles.Subject subject = new Compiles.Subject(id, sha256, bytes.length);
        if (mode == ExecutionMode.COMPILER && tiering.tiers(bytes.length) && !fromClasses) {
          // Tiered start: the module is rewritten and parsed once, interpreted at once, and compiled from the same
          // parsed module in the background, through the cache (and its directory), so both tiers run the very
          // same code. A module the cache's directory holds is loaded from it instead, which is quicker.
          EngineArtifact interpreted = loader.compile(ExecutionMode.INTERPRETER, false).compilation().artifact();
          return new Plugin(
              this, manifest, interpreted, effective, effectiveLimits, compiles.inBackground(key, subject, loader, tiering.compileDelay()));
        }
        artifact = compiles.now(key, subject, loader);
      }
    }
    return new Plugin(this, manifest, artifact, effective, effectiveLimits);
  }

  private static EngineArtifact restorePrecompiled(ModuleLoader loader, StoredModule stored, String pluginId) {
    try {
      return loader.restore(stored);
    } catch (PluginLoadException e) {
      throw e;
    } catch (RuntimeException | LinkageError e) {
      throw new PluginLoadException(
          ErrorCode.LOAD_PRECOMPILED,
          pluginId,
          "the precompiled plugin's classes cannot be loaded (" + e + "). Precompile it again.",
          e);
    }
  }

  /**
   * Compiles {@code module} as this host runs it (execution mode, metering, float options, engine) and returns it
   * as a precompiled plugin signed with {@code signer}: a file that {@link #load(byte[])} and {@link #load(Path)}
   * of a host with the same configuration, trusting the signer's public key, load without compiling. The user's
   * own key ({@link #userSigningKey()}) is trusted by default; {@code terrarium compile} signs with it.
   *
   * @throws IllegalStateException when this host interprets (there is nothing to precompile)
   * @throws dev.terrarium.api.PluginException when the module is malformed, invalid or cannot be compiled
   */
  public byte[] precompile(byte[] module, java.security.KeyPair signer) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(signer, "signer");
    if (mode != ExecutionMode.COMPILER) {
      throw new IllegalStateException("this host interprets modules: there is nothing to precompile");
    }
    String sha256 = sha256(module);
    String id = anonymousId(sha256, null);
    ParsedModule parsed = Engine.parse(id, module, sha256);
    ModuleCache.Compiled c = new ModuleLoader(module, sha256, id, parsed, true, parsed.description()).compile(true);
    if (c.compilation().classJar() == null) {
      throw new IllegalStateException(
          "the engine handed over no classes to keep (is run.endive.wasm.Parser.DIGEST_ALGORITHM set to none?)");
    }
    StoredModule stored = c.stored(ModuleCache.keyText(cacheKey(sha256)));
    return new Precompiled(module, stored).sign(signer);
  }

  /** Returns whether {@code bytes} are a precompiled plugin ({@link #precompile}) rather than a module. */
  public static boolean isPrecompiled(byte[] bytes) {
    return Precompiled.isPrecompiled(Objects.requireNonNull(bytes, "bytes"));
  }

  /**
   * Returns the user's key pair for signing precompiled plugins, making it on first use: {@code precompile.key}
   * (owner-only) and {@code precompile.pub} beside the cache key ({@link ModuleCache#userKeyFile()}).
   *
   * @throws IllegalStateException when it cannot be read or made
   */
  public static java.security.KeyPair userSigningKey() {
    return SigningKeys.userKeyPair(ModuleCache.userKeyFile().getParent());
  }

  /** The keys whose precompiled plugins this host accepts: the builder's and, when it exists, the user's. */
  private List<java.security.PublicKey> trustedKeys() {
    List<java.security.PublicKey> keys = new ArrayList<>(trustedPrecompiled);
    java.security.PublicKey user = SigningKeys.userPublicKey(ModuleCache.userKeyFile().getParent());
    if (user != null) {
      keys.add(user);
    }
    return keys;
  }

  /** How this host compiles a module for its cache, or restores it from the cache's directory. */
  private final class ModuleLoader implements ModuleCache.Loader {
    private final byte[] bytes;
    private final String sha256;
    private final String id;
    private final ParsedModule parsed;
    /**
     * Whether {@link #parsed} was validated, in full (it was neither when the module's classes were expected from the
     * cache's directory or came precompiled).
     */
    private final boolean validated;
    private final ModuleDescription original;

    ModuleLoader(
        byte[] bytes,
        String sha256,
        String id,
        ParsedModule parsed,
        boolean validated,
        ModuleDescription original) {
      this.bytes = bytes;
      this.sha256 = sha256;
      this.id = id;
      this.parsed = parsed;
      this.validated = validated;
      this.original = original;
    }

    /** The module as this host runs it, rewritten and parsed once, for every tier. */
    private byte[] rewritten;
    private ParsedModule prepared;

    @Override
    public ModuleCache.Compiled compile(boolean keepClasses) {
      return compile(mode, keepClasses);
    }

    /** Whether {@link #prepared} is the trap-flushing rewrite, which only the compiler with its handlers runs. */
    private boolean flushing;
    /** Set when the compiler could not give the trap-flushing rewrite its handlers: the module is rewritten without. */
    private boolean noFlushing;

    /** Compiles the module for {@code runMode} (a tiered module is run in both modes). */
    ModuleCache.Compiled compile(ExecutionMode runMode, boolean keepClasses) {
      ParsedModule toCompile = prepare(runMode);
      dev.terrarium.host.engine.Compilation c =
          toCompile.compile(id, runMode, original, costModel != null, fuelField, keepClasses, flushing);
      if (c == null) {
        // FuelField could not compile the trap-flushing rewrite (a function it leaves to the interpreter): rewrite
        // it the usual way, whose counters the interpreter and the plain compiler keep exactly.
        synchronized (this) {
          noFlushing = true;
          prepared = null;
        }
        toCompile = prepare(runMode);
        c = toCompile.compile(id, runMode, original, costModel != null, fuelField, keepClasses, false);
      }
      return new ModuleCache.Compiled(c, rewritten == bytes ? null : rewritten);
    }

    /**
     * Rewrites and parses the module once, for every tier; with trap flushing when the first tier asked for is the
     * compiler (a tiered module is interpreted first, and both its tiers run the usual rewrite).
     */
    private synchronized ParsedModule prepare(ExecutionMode runMode) {
      if (prepared == null) {
        // Nothing is compiled before it is validated: parsed without, it is parsed again with validation.
        ParsedModule checked = validated && parsed != null ? parsed : Engine.parse(id, bytes, sha256);
        flushing =
            trapFlush
                && !noFlushing
                && bytes.length <= TRAP_FLUSH_MAX_MODULE_BYTES
                && fuelField
                && runMode == ExecutionMode.COMPILER
                && costModel != null
                && costModel.accounting() == CostModel.Accounting.EXACT;
        rewritten = rewrite(bytes, id, flushing);
        prepared = rewritten == bytes ? checked : Engine.parse(id, rewritten, sha256);
      }
      return prepared;
    }

    @Override
    public EngineArtifact restore(dev.terrarium.host.cache.StoredModule stored) {
      // The stored rewrite is authenticated (this installation's key, or a trusted signer's) and was validated when
      // it was made. Its classes are the code: only the bodies of the functions they leave to the interpreter are
      // parsed.
      int[] interpreted = stored.interpreted();
      ParsedModule toLoad;
      if (stored.rewritten() == null
          && parsed != null
          && (parsed.hasBodies() || (interpreted != null && interpreted.length == 0))) {
        toLoad = parsed;
      } else {
        byte[] code = stored.rewritten() == null ? bytes : stored.rewritten();
        java.util.function.IntPredicate keep =
            interpreted == null ? f -> true : f -> java.util.Arrays.binarySearch(interpreted, f) >= 0;
        toLoad = Engine.parseWithoutBodies(id, code, sha256, keep);
      }
      return toLoad.restore(original, stored.metered(), stored.fuelInMachine(), stored.classJar(), stored.classBytes());
    }
  }

  /**
   * Returns the cache key of the module with hash {@code sha256} as this host compiles it: everything that changes
   * the artifact (not grants, limits or host functions, which apply per plugin).
   */
  ModuleCache.Key cacheKey(String sha256) {
    return cacheKey(sha256, mode);
  }

  /** Returns the cache key of the module with hash {@code sha256} as this host runs it in {@code runMode}. */
  ModuleCache.Key cacheKey(String sha256, ExecutionMode runMode) {
    return new ModuleCache.Key(
        sha256,
        VERSION,
        Engine.version(),
        runMode,
        costModel == null
            ? "unmetered"
            : costModel.key() + (splitFunctions ? "" : ",unsplit") + (countedLoops ? "" : ",uncounted")
                + (boundedLoops ? "" : ",unbounded") + (trapFlush ? "" : ",noflush")
                + (deferredTests ? "" : ",tested"),
        canonicalNaNs,
        costModel != null && runMode == ExecutionMode.COMPILER && fuelField);
  }

  /**
   * Rewrites a module as this host runs it: metered when the host meters fuel, then the float pass (the results
   * Endive gets wrong, and NaN canonicalisation when asked; see docs/floats.md), which runs on the metered bytes so
   * that the code it inserts is never charged, and last, for a metered module, the split of functions too large
   * for HotSpot to JIT-compile ({@link FunctionSplitter}; uncharged too). Returns {@code module} itself when
   * nothing changed.
   */
  private byte[] rewrite(byte[] module, String pluginId, boolean flushing) {
    try {
      if (costModel == null) {
        return FloatRewriter.rewrite(module, canonicalNaNs);
      }
      byte[] fuel = FuelRewriter.rewriteWith(module, costModel, countedLoops, boundedLoops, flushing, deferredTests);
      byte[] metered = FloatRewriter.rewrite(fuel, canonicalNaNs);
      if (!splitFunctions) {
        return metered;
      }
      return flushing ? FunctionSplitter.splitWithTrapFlush(metered) : FunctionSplitter.split(metered);
    } catch (MeteringException e) {
      throw e.forPlugin(pluginId);
    }
  }

  private PluginManifest embeddedOrFallback(
      ModuleDescription description, String fileName, PluginManifest fallback, String provisionalId) {
    if (description.embeddedManifest().isPresent()) {
      PluginManifest m =
          Manifests.parse(description.embeddedManifest().get(), "the module's custom section", provisionalId);
      if (m.sha256() != null) {
        throw new ManifestException(
            m.id(),
            "the embedded manifest pins sha256 " + m.sha256() + ", but a module cannot contain its own hash."
                + " Pin the hash in a manifest file beside the module instead.",
            null);
      }
      return m;
    }
    if (fallback != null) {
      if (fallback.sha256() != null && !fallback.sha256().equals(description.sha256())) {
        throw new HashMismatchException(fallback.id(), fallback.sha256(), description.sha256());
      }
      return fallback;
    }
    return PluginManifest.of(anonymousId(description.sha256(), fileName), "0.0.0");
  }

  private static String anonymousId(String sha256, String fileName) {
    return fileName != null ? PluginManifest.idFromFileName(fileName) : "anonymous-" + sha256.substring(0, 12);
  }

  private Grants effectiveGrants(PluginManifest manifest) {
    Set<String> modules = new LinkedHashSet<>();
    for (String m : manifest.capabilities().hostModules()) {
      if (grants.hostModules().contains(m)) {
        modules.add(m);
      }
    }
    Set<WasiCapability> wasi = CapabilityCheck.effectiveWasi(grants, manifest.capabilities());
    List<Mount> mounts = new ArrayList<>();
    if (wasi.contains(WasiCapability.FILES)) {
      Map<String, MountMode> requested = new LinkedHashMap<>();
      for (MountRequest r : manifest.capabilities().mounts()) {
        requested.put(r.guestPath(), r.mode());
      }
      for (Mount m : grants.mounts()) {
        MountMode mode = requested.containsKey(m.guestPath()) ? m.mode().narrow(requested.get(m.guestPath())) : m.mode();
        mounts.add(m.withMode(mode));
      }
    }
    return new Grants(modules, wasi, mounts);
  }

  /**
   * Describes a module without loading it as a plugin: its hash, imports, exports and embedded manifest. A
   * precompiled plugin ({@link #isPrecompiled}) is described by its module; its signature is not checked, since
   * nothing of it runs.
   *
   * @throws dev.terrarium.api.MalformedModuleException when the bytes are not a module
   * @throws dev.terrarium.api.InvalidModuleException when it does not validate
   * @throws PluginLoadException ({@code LOAD_PRECOMPILED}) when they are a damaged precompiled plugin
   */
  public static ModuleDescription inspect(byte[] module) {
    byte[] bytes = Precompiled.isPrecompiled(module) ? Precompiled.unverifiedModule(module, null) : module;
    return Engine.parse(null, bytes, sha256(bytes)).description();
  }

  /** Returns the lowercase hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * Stops the watchdog and guest threads, and empties the compiled-module cache when it was this host's alone
   * ({@link Builder#cacheMaximumBytes}); a shared cache is left to its other hosts. Instances still open stop being
   * bounded. Background compiles of tiered plugins are abandoned (those plugins stay interpreted): the queued ones
   * never start, and one already compiling finishes on its daemon thread, which then ends (Endive's compiler cannot
   * be interrupted), leaving its result in the module cache for other hosts.
   */
  @Override
  public void close() {
    compiles.close();
    watchdog.close();
    guestThreads.close();
    if (privateCache) {
      cache.invalidateAll();
    }
    tenants.values().forEach(Tenant::closeFileSystem);
  }

  /** Builds a {@link PluginHost}; each setter validates its value and names it when it is bad. */
  public static final class Builder {
    private Grants grants = Grants.none();
    private PluginLimits limits = DEFAULT_LIMITS;
    private ExecutionMode mode = ExecutionMode.COMPILER;
    private long cacheBytes = -1;
    private ModuleCache cache;
    private final Map<String, HostFunctionDefinition> hostFunctions = new LinkedHashMap<>();
    private final Map<String, HostGlobalDefinition> hostGlobals = new LinkedHashMap<>();
    private final Map<String, HostTableDefinition> hostTables = new LinkedHashMap<>();
    private CostModel costModel;
    private boolean canonicalNaNs;
    private long tenantMaxBytes = MemoryFileSystem.DEFAULT_MAX_BYTES;
    private long tenantMaxEntries = MemoryFileSystem.DEFAULT_MAX_ENTRIES;
    private FuelLedger ledger;
    private TerrariumMetrics metrics;
    private final List<io.micrometer.core.instrument.MeterRegistry> meterRegistries = new ArrayList<>();
    private long fuelSlice = FuelAccount.DEFAULT_SLICE;
    private Tiering tiering = Tiering.auto();
    private CompileListener compileListener;
    private java.time.Duration progressInterval = DEFAULT_PROGRESS_INTERVAL;
    private final List<java.security.PublicKey> trustedPrecompiled = new ArrayList<>();

    private Builder() {}

    /**
     * Sets which modules start in the interpreter while they compile in the background (tiered start), when the
     * host compiles ({@link ExecutionMode#COMPILER}). Default: {@link Tiering#auto()}, modules larger than {@link
     * Tiering#DEFAULT_THRESHOLD_BYTES}; {@link Tiering#off()} makes {@code load} wait for every compile, {@link
     * Tiering#always()} tiers every module.
     */
    public Builder tiering(Tiering newTiering) {
      this.tiering = Objects.requireNonNull(newTiering, "tiering");
      return this;
    }

    /**
     * Reports this host's compiles to {@code listener}: start, progress every {@link
     * PluginHost#DEFAULT_PROGRESS_INTERVAL}, end (see {@link CompileListener} for the threads it is called on).
     */
    public Builder compileListener(CompileListener listener) {
      return compileListener(listener, DEFAULT_PROGRESS_INTERVAL);
    }

    /**
     * Reports this host's compiles to {@code listener}, with progress every {@code progressInterval}.
     *
     * @throws IllegalArgumentException when the interval is not positive
     */
    public Builder compileListener(CompileListener listener, java.time.Duration progressInterval) {
      Objects.requireNonNull(listener, "listener");
      Objects.requireNonNull(progressInterval, "progressInterval");
      if (progressInterval.isNegative() || progressInterval.isZero()) {
        throw new IllegalArgumentException("the progress interval must be positive, was " + progressInterval);
      }
      this.compileListener = listener;
      this.progressInterval = progressInterval;
      return this;
    }

    /**
     * Accepts precompiled plugins ({@link PluginHost#precompile}) signed with {@code key}'s private half, besides
     * those signed with the user's own key ({@link PluginHost#userSigningKey()}), which is trusted by default.
     * A precompiled plugin runs the JVM classes in it, so trust only keys you would trust with your code.
     *
     * @throws IllegalArgumentException when it is not an Ed25519 key
     */
    public Builder trustPrecompiled(java.security.PublicKey key) {
      Objects.requireNonNull(key, "key");
      if (!key.getAlgorithm().equals("EdDSA") && !key.getAlgorithm().equals("Ed25519")) {
        throw new IllegalArgumentException(
            "precompiled plugins are signed with Ed25519 keys, not " + key.getAlgorithm());
      }
      trustedPrecompiled.add(key);
      return this;
    }

    /**
     * Sets how much fuel a metered instance draws from its tenant's ledger at a time (default {@link
     * FuelAccount#DEFAULT_SLICE}, a million units, about a millisecond of guest work). An instance keeps what a
     * call leaves of its slice for its next call and returns it when it closes, so larger slices mean fewer ledger
     * exchanges (which matters for a ledger across the network) and more fuel held by each open instance. See
     * docs/quotas.md, "Sizing slices".
     *
     * @throws IllegalArgumentException when {@code units} is below 1
     */
    public Builder fuelSlice(long units) {
      if (units < 1) {
        throw new IllegalArgumentException("fuel slice must be at least 1 unit, was " + units);
      }
      this.fuelSlice = units;
      return this;
    }

    /**
     * Publishes this host's meters to {@code registry}: calls, instances, compiles, the module cache and fuel (see
     * {@link TerrariumMetrics} and docs/metrics.md). With {@link #metrics}, binds those metrics to it; otherwise
     * the host gets metrics with the defaults. May be given several registries.
     */
    public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      meterRegistries.add(Objects.requireNonNull(registry, "registry"));
      return this;
    }

    /**
     * Records this host's meters in {@code metrics}, a Micrometer {@code MeterBinder} to bind to registries
     * whenever the application (or its framework) likes; several hosts may share one. A host given neither this
     * nor a {@link #meterRegistry} records nothing, not even on the path of a call.
     */
    public Builder metrics(TerrariumMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * Keeps tenants' fuel in {@code ledger} instead of this host's memory: for instance a ledger backed by a
     * store that several hosts share (see docs/quotas.md for the contract it must keep). Default: an
     * {@link InMemoryFuelLedger} per host.
     */
    public Builder fuelLedger(FuelLedger ledger) {
      this.ledger = Objects.requireNonNull(ledger, "ledger");
      return this;
    }

    /**
     * Bounds each tenant's in-memory file system ({@link Tenant#fileSystem()}): at most {@code maxBytes} of file
     * content and {@code maxEntries} names. A write past either fails in the guest with {@code EDQUOT}. Default:
     * {@link MemoryFileSystem#DEFAULT_MAX_BYTES} and {@link MemoryFileSystem#DEFAULT_MAX_ENTRIES}; the content is
     * on the heap, so keep the sum over tenants within it.
     *
     * @throws IllegalArgumentException when either is negative
     */
    public Builder tenantFileSystemQuota(long maxBytes, long maxEntries) {
      if (maxBytes < 0 || maxEntries < 0) {
        throw new IllegalArgumentException(
            "tenant file-system quota must not be negative, was " + maxBytes + " bytes, " + maxEntries + " entries");
      }
      this.tenantMaxBytes = maxBytes;
      this.tenantMaxEntries = maxEntries;
      return this;
    }

    /**
     * Meters every plugin's work with fuel (the default cost model: 1 per instruction, see docs/metering.md):
     * modules are rewritten at load time, and each instance must be created for a {@link Tenant}, whose
     * ledger every call is charged exactly.
     */
    public Builder meterFuel() {
      this.costModel = CostModel.defaults();
      return this;
    }

    /**
     * Meters every plugin's work with fuel under {@code model}: its costs, and its {@linkplain
     * CostModel.Accounting accounting} ({@code FAST} trades exact charging of calls that trap for speed).
     */
    public Builder meterFuel(CostModel model) {
      this.costModel = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Sets what plugins may use. Default: nothing. */
    public Builder grants(Grants newGrants) {
      this.grants = Objects.requireNonNull(newGrants, "grants");
      return this;
    }

    /** Sets the ceiling of every plugin's limits. Default: {@link #DEFAULT_LIMITS}. */
    public Builder limits(PluginLimits newLimits) {
      this.limits = Objects.requireNonNull(newLimits, "limits");
      return this;
    }

    /**
     * Makes float results bit-identical everywhere: every float instruction that can produce a NaN (arithmetic,
     * {@code sqrt}, rounding, {@code min}, {@code max}, {@code promote}, {@code demote}) yields the canonical NaN
     * ({@code 0x7fc00000}, {@code 0x7ff8000000000000}) instead of whichever NaN the engine, the execution mode or
     * the JVM's tier produced. Costs a few instructions per such float instruction; fuel is not affected. Off by
     * default (see docs/floats.md).
     */
    public Builder canonicalizeNaNs() {
      this.canonicalNaNs = true;
      return this;
    }

    /** Chooses compiler (default) or interpreter. */
    public Builder executionMode(ExecutionMode newMode) {
      this.mode = Objects.requireNonNull(newMode, "executionMode");
      return this;
    }

    /**
     * Loads through {@code moduleCache} instead of the process-wide {@link ModuleCache#shared()}: hosts given the
     * same cache share their compiled modules; one made with {@link ModuleCache#create} for this host alone keeps
     * its modules to itself. Closing the host leaves the cache as it is.
     */
    public Builder moduleCache(ModuleCache moduleCache) {
      this.cache = Objects.requireNonNull(moduleCache, "moduleCache");
      this.cacheBytes = -1;
      return this;
    }

    /**
     * Gives this host a compiled-module cache of its own, bounded by {@code bytes} of estimated heap and metaspace
     * (what the cached modules keep alive, tens of times their binaries when compiled), which {@link
     * PluginHost#close()} empties.
     *
     * @deprecated share the process-wide cache (the default), or pass {@code
     *     moduleCache(ModuleCache.create(bytes))}
     */
    @Deprecated
    public Builder cacheMaximumBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("cache maximum bytes must not be negative, was " + bytes);
      }
      this.cacheBytes = bytes;
      this.cache = null;
      return this;
    }

    /** Registers a host function that plugins can import (which grants its module). */
    public Builder hostFunction(HostFunctionDefinition definition) {
      Objects.requireNonNull(definition, "definition");
      String key = definition.qualifiedName();
      checkUnregistered(key);
      hostFunctions.put(key, definition);
      return this;
    }

    private void checkUnregistered(String key) {
      String kind =
          hostFunctions.containsKey(key)
              ? "host function"
              : hostGlobals.containsKey(key) ? "host global" : hostTables.containsKey(key) ? "host table" : null;
      if (kind != null) {
        throw new IllegalArgumentException(kind + " " + key + " was already registered");
      }
    }

    /**
     * Registers a global that plugins can import (which grants its module). Each instance gets its own copy
     * initialised to {@code definition.value()}, so a mutable one never carries one instance's (or tenant's)
     * changes to another.
     */
    public Builder hostGlobal(HostGlobalDefinition definition) {
      Objects.requireNonNull(definition, "definition");
      checkUnregistered(definition.qualifiedName());
      hostGlobals.put(definition.qualifiedName(), definition);
      return this;
    }

    /** Registers an immutable global {@code (global type)} with {@code value}, encoded as {@link WasmType} says. */
    public Builder hostGlobal(String module, String name, WasmType type, long value) {
      return hostGlobal(new HostGlobalDefinition(module, name, type, false, value));
    }

    /** Registers a mutable global {@code (global (mut type))}: each instance starts from {@code value}. */
    public Builder mutableHostGlobal(String module, String name, WasmType type, long value) {
      return hostGlobal(new HostGlobalDefinition(module, name, type, true, value));
    }

    /**
     * Registers a table that plugins can import (which grants its module): each instance gets a fresh table of
     * {@code min} null elements, counted against its {@link PluginLimits#maxTableElements}.
     *
     * @param max the most elements it may grow to, or {@code null} for no bound but the table limit
     */
    public Builder hostTable(String module, String name, WasmType elementType, int min, Integer max) {
      HostTableDefinition definition = new HostTableDefinition(module, name, elementType, min, max);
      checkUnregistered(definition.qualifiedName());
      hostTables.put(definition.qualifiedName(), definition);
      return this;
    }

    /**
     * Registers the implementation of an interface annotated {@code @HostImports}, through the binding that
     * {@code abi-codegen} generated for it: every method becomes a host function of the interface's module.
     *
     * @throws IllegalArgumentException when the interface is not annotated or has no generated binding
     */
    public <T> Builder hostImports(Class<T> type, T implementation) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(implementation, "implementation of " + type.getName());
      for (HostFunctionDefinition d : Bindings.definitions(type, implementation)) {
        hostFunction(d);
      }
      return this;
    }

    /**
     * Registers a per-instance implementation of an interface annotated {@code @HostImports}: {@code factory}
     * makes one for each instance, at the instance's first call of one of the interface's functions, from the
     * caller's {@link HostCallContext} (its tenant, plugin, instance id and attachment), for example {@code
     * hostImportsPerInstance(KeyValueStore.class, ctx -> new TenantStore(ctx.tenant()))}. The instance keeps it
     * until it closes, and then closes it if it is {@link AutoCloseable}. A factory that throws, or returns null,
     * fails the guest's call with a {@code HostFunctionException}. (It is not an overload of {@link
     * #hostImports}: with a lambda, Java could not choose between the two.)
     *
     * @throws IllegalArgumentException when the interface is not annotated or has no generated binding
     */
    public <T> Builder hostImportsPerInstance(
        Class<T> type, Function<? super HostCallContext, ? extends T> factory) {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(factory, "factory of " + type.getName());
      Function<HostCallContext, T> perInstance =
          new Function<>() {
            @Override
            public T apply(HostCallContext ctx) {
              if (ctx instanceof InstanceContext instance) {
                return instance.instanceValue(this, factory);
              }
              throw new IllegalStateException("a per-instance host import was called outside an instance");
            }

            @Override
            public String toString() {
              return "for " + type.getName();
            }
          };
      for (HostFunctionDefinition d : Bindings.definitionsPerInstance(type, perInstance)) {
        hostFunction(d);
      }
      return this;
    }

    /** Registers a host function that plugins can import (which grants its module). */
    public Builder hostFunction(
        String module, String name, List<WasmType> params, List<WasmType> results, HostFunction implementation) {
      return hostFunction(new HostFunctionDefinition(module, name, params, results, implementation));
    }

    public PluginHost build() {
      return new PluginHost(this);
    }
  }
}
