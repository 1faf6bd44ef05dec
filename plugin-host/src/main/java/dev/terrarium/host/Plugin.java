package dev.terrarium.host;

import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.engine.EngineArtifact;
import dev.terrarium.host.engine.EngineInstance;
import dev.terrarium.host.engine.InstanceSpec;
import dev.terrarium.host.engine.WasiConfig;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded plugin: a checked, compiled module with its manifest and the capabilities and limits in effect.
 * Immutable and thread-safe; create any number of {@link PluginInstance}s from it, from any threads.
 */
public final class Plugin {
  private final PluginHost host;
  private final PluginManifest manifest;
  private final EngineArtifact artifact;
  private final Grants grants;
  private final PluginLimits limits;
  private final boolean importsWasi;
  private final EngineInstance.Links links;

  Plugin(PluginHost host, PluginManifest manifest, EngineArtifact artifact, Grants grants, PluginLimits limits) {
    this.host = host;
    this.manifest = manifest;
    this.artifact = artifact;
    this.grants = grants;
    this.limits = limits;
    this.importsWasi =
        artifact.description().imports().stream().anyMatch(i -> i.module().equals("wasi_snapshot_preview1"));
    this.links = EngineInstance.Links.resolve(manifest.id(), artifact, host.hostFunctions());
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

  /** Returns whether this plugin runs compiled to JVM bytecode (otherwise it is interpreted). */
  public boolean compiled() {
    return artifact.compiled();
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
   * Creates a sandbox whose calls are charged to {@code tenant}'s fuel (required on a host that meters fuel).
   *
   * @throws IllegalArgumentException when a tenant is given on a host that does not meter fuel, or none on one
   *     that does
   */
  public PluginInstance instantiate(Tenant tenant, InstanceOptions options) {
    if (host.metersFuel() && tenant == null) {
      throw new IllegalArgumentException(
          "this host meters fuel: instantiate plugin '" + id() + "' for a tenant (host.tenant(id, policy))");
    }
    if (!host.metersFuel() && tenant != null) {
      throw new IllegalArgumentException(
          "this host does not meter fuel, so it cannot charge " + tenant + "; build it with meterFuel()");
    }
    WasiConfig wasi = null;
    if (importsWasi) {
      List<String> args = new ArrayList<>();
      args.add(options.programName() == null ? id() : options.programName());
      args.addAll(options.args());
      Map<String, String> env =
          grants.wasi().contains(WasiCapability.ENV) ? options.env() : Map.of();
      Map<String, java.nio.file.Path> dirs = new LinkedHashMap<>();
      if (grants.wasi().contains(WasiCapability.FILES)) {
        for (Mount m : grants.mounts()) {
          dirs.put(m.guestPath(), m.hostPath());
        }
      }
      wasi =
          new WasiConfig(
              args,
              env,
              new KeepOpenInput(options.stdin()),
              new KeepOpenOutput(options.stdout()),
              new KeepOpenOutput(options.stderr()),
              dirs);
    }
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
            tenant == null ? null : tenant.account().newInstance());
    return new PluginInstance(this, EngineInstance.create(artifact, spec));
  }

  @Override
  public String toString() {
    return "Plugin[" + id() + "@" + version() + ", sha256=" + sha256().substring(0, 12) + "...]";
  }

  /** Shields a caller's output stream from being closed by the guest's WASI. */
  private static final class KeepOpenOutput extends FilterOutputStream {
    KeepOpenOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }

  /** Shields a caller's input stream from being closed by the guest's WASI. */
  private static final class KeepOpenInput extends java.io.FilterInputStream {
    KeepOpenInput(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
