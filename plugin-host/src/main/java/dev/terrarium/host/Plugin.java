package dev.terrarium.host;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.engine.EngineArtifact;
import dev.terrarium.host.engine.EngineInstance;
import dev.terrarium.host.internal.HostMetrics;
import dev.terrarium.host.engine.InstanceSpec;
import dev.terrarium.host.internal.StreamPumps;
import dev.terrarium.host.fs.HostDirectory;
import dev.terrarium.host.fs.ProvidedFiles;
import dev.terrarium.host.wasi.WasiFunctions;
import dev.terrarium.host.wasi.WasiSetup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded plugin: a checked, compiled module with its manifest and the capabilities and limits in effect.
 * Thread-safe; create any number of {@link PluginInstance}s from it, from any threads.
 *
 * <p>A plugin of a large module may start in the interpreter while its module compiles in the background
 * ({@link Tiering}): instances created after the compile finishes ({@link #whenCompiled()}) run compiled code,
 * those created before keep the interpreter. Nothing else about the plugin changes: its manifest, grants, limits,
 * and the fuel and results of its calls are the same in both tiers.
 */
public final class Plugin {
  private final PluginHost host;
  private final PluginManifest manifest;
  /** What new instances are created from: the interpreted module until a background compile replaces it. */
  private volatile EngineArtifact artifact;
  /** Completes with this plugin once new instances run compiled code. */
  private final java.util.concurrent.CompletableFuture<Plugin> compiled =
      new java.util.concurrent.CompletableFuture<>();
  private final Grants grants;
  private final PluginLimits limits;
  private final boolean importsWasi;
  private final EngineInstance.Links links;
  /** The host's granted mounts, opened once: they are the same for every instance. */
  private final List<WasiSetup.Preopen> grantedPreopens;

  Plugin(PluginHost host, PluginManifest manifest, EngineArtifact artifact, Grants grants, PluginLimits limits) {
    this(host, manifest, artifact, grants, limits, null);
  }

  /**
   * A plugin that starts with {@code artifact} and, when {@code tierUp} completes with a compiled artifact of the
   * same module, creates its new instances from that one.
   */
  Plugin(
      PluginHost host,
      PluginManifest manifest,
      EngineArtifact artifact,
      Grants grants,
      PluginLimits limits,
      java.util.concurrent.CompletableFuture<EngineArtifact> tierUp) {
    this.host = host;
    this.manifest = manifest;
    this.artifact = artifact;
    this.grants = grants;
    this.limits = limits;
    this.importsWasi =
        artifact.description().imports().stream().anyMatch(i -> WasiFunctions.isWasi(i.module()));
    this.links =
        EngineInstance.Links.resolve(
            manifest.id(),
            artifact,
            host.hostFunctions(),
            host.hostDefinitions().globals(),
            host.hostDefinitions().tables());
    List<WasiSetup.Preopen> preopens = new ArrayList<>();
    if (importsWasi && grants.wasi().contains(WasiCapability.FILES)) {
      for (Mount m : grants.mounts()) {
        preopens.add(
            new WasiSetup.Preopen(
                m.guestPath(), HostDirectory.of(m.hostPath(), m.mode()), m.mode() == MountMode.READ_ONLY));
      }
    }
    this.grantedPreopens = List.copyOf(preopens);
    if (artifact.compiled()) {
      compiled.complete(this);
    } else if (tierUp == null) {
      compiled.completeExceptionally(
          new IllegalStateException(
              "plugin '" + id() + "' is interpreted: its host runs modules in the interpreter"
                  + " (ExecutionMode.INTERPRETER), so it is never compiled"));
    } else {
      // Links, preopens and everything else above depend on the module's description, which both tiers share.
      tierUp.whenComplete(
          (a, e) -> {
            if (a != null) {
              this.artifact = a;
              compiled.complete(this);
            } else {
              compiled.completeExceptionally(
                  e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
            }
          });
    }
  }

  /**
   * The module new instances are created from, shared with every plugin loaded from the same bytes through the same
   * cache key.
   */
  EngineArtifact artifact() {
    return artifact;
  }

  public String id() {
    return manifest.id();
  }

  public String version() {
    return manifest.version();
  }

  /** Returns the manifest the plugin was loaded with (given, embedded, or the anonymous default). */
  public PluginManifest manifest() {
    return manifest;
  }

  /** Returns the SHA-256 of the module, in lowercase hex. */
  public String sha256() {
    return artifact.description().sha256();
  }

  /** Returns the module's imports, exports and memory. */
  public ModuleDescription description() {
    return artifact.description();
  }

  /** Returns the capabilities in effect: the host's grants intersected with the manifest's requests. */
  public Grants grants() {
    return grants;
  }

  /** Returns the limits in effect: the host's limits, lowered where the manifest asks. */
  public PluginLimits limits() {
    return limits;
  }

  /**
   * Returns whether instances created now run compiled to JVM bytecode (otherwise they are interpreted): false
   * while a tiered plugin's module compiles in the background, true once {@link #whenCompiled()} has completed.
   */
  public boolean compiled() {
    return artifact.compiled();
  }

  /**
   * Returns a future that completes with this plugin once instances created from it run compiled code: at once
   * for a plugin loaded compiled, when the background compile finishes for a tiered one ({@link Tiering}). It
   * completes exceptionally when that will not happen, and the plugin goes on serving from the interpreter: with
   * the compile's {@link dev.terrarium.api.PluginLoadException} when it failed, a {@link
   * java.util.concurrent.CancellationException} when the host was closed first, or an {@link
   * IllegalStateException} when the host interprets every module. Completing or cancelling the returned future
   * does not affect the plugin.
   */
  public java.util.concurrent.CompletableFuture<Plugin> whenCompiled() {
    return compiled.copy();
  }

  /** Creates a sandbox with default options: no arguments, empty environment and stdin, output discarded. */
  public PluginInstance instantiate() {
    return instantiate(InstanceOptions.defaults());
  }

  /**
   * Creates a sandbox.
   *
   * @throws dev.terrarium.api.PluginInstantiationException when the module cannot start within its limits
   */
  public PluginInstance instantiate(InstanceOptions options) {
    return instantiate(null, options);
  }

  /**
   * Creates a sandbox for {@code tenant}: on a host that meters fuel (where a tenant is required), its calls are
   * charged to the tenant's fuel.
   *
   * @throws IllegalArgumentException when no tenant is given on a host that meters fuel, or the tenant belongs
   *     to another host
   */
  public PluginInstance instantiate(Tenant tenant, InstanceOptions options) {
    if (tenant != null && !host.owns(tenant)) {
      throw new IllegalArgumentException(
          tenant + " belongs to another PluginHost; get the tenant from the host that loaded plugin '" + id() + "'");
    }
    if (host.metersFuel() && tenant == null) {
      throw new IllegalArgumentException(
          "this host meters fuel: instantiate plugin '" + id() + "' for a tenant (host.tenant(id, policy))");
    }

    // Streams that can block are read and written by pumps, so that a deadline, a cancel or an idle timeout ends
    // a guest waiting on them whatever the stream is, and never interrupts the application's stream.
    HostMetrics metrics = host.metrics();
    long instanceId = host.nextInstanceId();
    java.io.OutputStream stderr = options.stderr();
    if (importsWasi && stderr == InstanceOptions.TO_LOG) {
      stderr =
          new dev.terrarium.host.internal.GuestLog(
              id(), "instance " + instanceId + (tenant == null ? "" : " (tenant '" + tenant.id() + "')"));
    }
    StreamPumps pumps =
        importsWasi
            ? new StreamPumps(options.stdin(), options.stdout(), stderr, "terrarium-" + id(), InstanceOptions.NEVER_BLOCK)
            : null;
    WasiSetup wasi = importsWasi ? wasiSetup(options, pumps) : null;
    int memoryLimit = limits.maxMemoryPages() == null ? PluginLimits.MAX_PAGES : limits.maxMemoryPages();
    InstanceSpec spec =
        new InstanceSpec(
            id(),
            memoryLimit,
            links,
            wasi,
            host.watchdog(),
            limits.callTimeout(),
            limits.guestStackBytes() == null ? null : host.guestThreads().forStackSize(limits.guestStackBytes()),
            limits.guestStackBytes() == null
                ? "the calling thread's stack"
                : "a guest stack of " + limits.guestStackBytes() + " bytes",
            tenant == null || !host.metersFuel()
                ? null
                : tenant.account().newInstance(limits.maxFuelPerCall(), limits.maxFuelPerInstance(), host.fuelSlice()),
            host.fastFuel(),
            tenant == null || !host.metersFuel() || metrics == null ? null : metrics.fuel(tenant, id()),
            limits.maxTableElements() == null
                ? PluginLimits.DEFAULT_MAX_TABLE_ELEMENTS
                : limits.maxTableElements(),
            new InstanceSpec.Caller(tenant == null ? null : tenant.id(), instanceId, options.attachment()),
            pumps != null && pumps.pumpsOutput() ? pumps::drain : null,
            metrics == null ? null : metrics.calls(id()));
    try {
      PluginInstance instance =
          new PluginInstance(
              this, EngineInstance.create(this.artifact, spec), pumps, metrics == null ? null : metrics.instances(id()));
      return instance;
    } catch (RuntimeException e) {
      if (pumps != null) {
        pumps.close();
      }
      throw e;
    }
  }

  private WasiSetup wasiSetup(InstanceOptions options, StreamPumps pumps) {
    List<String> args = new ArrayList<>();
    args.add(options.programName() == null ? id() : options.programName());
    args.addAll(options.args());
    Map<String, String> env = grants.wasi().contains(WasiCapability.ENV) ? options.env() : Map.of();
    List<WasiSetup.Preopen> preopens = grantedPreopens;
    if (grants.wasi().contains(WasiCapability.FILES) && !options.mounts().isEmpty()) {
      preopens = new ArrayList<>(grantedPreopens);
      Set<String> taken = new HashSet<>();
      grantedPreopens.forEach(p -> taken.add(p.guestPath()));
      for (InstanceOptions.VirtualMount m : options.mounts()) {
        if (!taken.add(m.guestPath())) {
          throw new IllegalArgumentException(
              "'" + m.guestPath() + "' is already a mount the host grants plugin '" + id() + "'; choose another"
                  + " guest path");
        }
        MountMode mode = m.mode();
        for (MountRequest r : manifest.capabilities().mounts()) {
          if (r.guestPath().equals(m.guestPath())) {
            mode = mode.narrow(r.mode());
          }
        }
        preopens.add(new WasiSetup.Preopen(m.guestPath(), m.directory(), mode == MountMode.READ_ONLY));
      }
    }
    return new WasiSetup(
        args,
        env,
        ProvidedFiles.input(pumps.in()),
        ProvidedFiles.output(pumps.out()),
        ProvidedFiles.output(pumps.err()),
        preopens,
        options.randomSeed(),
        options.wasiTrace());
  }

  @Override
  public String toString() {
    return "Plugin[" + id() + "@" + version() + ", sha256=" + sha256().substring(0, 12) + "...]";
  }
}
