package dev.terrarium.host;

import dev.terrarium.api.MountMode;
import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.wasi.WasiCall;
import java.util.function.Consumer;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-instance WASI inputs: arguments, environment, standard streams, directories, randomness and tracing. They
 * matter only to plugins whose effective capabilities let them use them (directories need the {@code files}
 * group). By default an instance gets no arguments, an empty environment, empty standard input, no directories
 * beyond the host's granted mounts, {@code SecureRandom}, no trace, and its output is discarded. Streams given
 * here are never closed by Terrarium.
 */
public final class InstanceOptions {
  /** The default standard input: empty, and in memory, so it needs no pump (see {@link Builder#stdin}). */
  private static final InputStream NO_INPUT = new java.io.ByteArrayInputStream(new byte[0]);

  /** The default standard output and error: they discard, and so never block. */
  private static final OutputStream DISCARD = OutputStream.nullOutputStream();
  /** The default standard error: each instance's goes, line by line, to its plugin's logger. */
  static final OutputStream TO_LOG = OutputStream.nullOutputStream();

  /** The default streams, which need no pump. */
  static final java.util.Set<Object> NEVER_BLOCK = java.util.Set.of(NO_INPUT, DISCARD, TO_LOG);

  private static final InstanceOptions DEFAULTS = builder().build();

  private final String programName;
  private final List<String> args;
  private final Map<String, String> env;
  private final InputStream stdin;
  private final OutputStream stdout;
  private final OutputStream stderr;
  private final List<VirtualMount> mounts;
  private final Long randomSeed;
  private final Consumer<WasiCall> wasiTrace;
  private final Object attachment;

  /**
   * A directory of any {@link DirectoryNode} (a tenant's in-memory file system, an overlay, host-provided files)
   * that the guest finds pre-opened at {@code guestPath}.
   *
   * @param guestPath the name the guest sees it pre-opened under, e.g. {@code /data} or {@code .} (see {@link
   *     dev.terrarium.api.MountRequest#checkGuestPath})
   * @param directory what it holds
   * @param mode read-only or read-write; a manifest may lower it, never raise it
   */
  public record VirtualMount(String guestPath, DirectoryNode directory, MountMode mode) {
    public VirtualMount {
      dev.terrarium.api.MountRequest.checkGuestPath(guestPath);
      Objects.requireNonNull(directory, "directory");
      Objects.requireNonNull(mode, "mode");
    }
  }

  private InstanceOptions(Builder b) {
    this.programName = b.programName;
    this.args = List.copyOf(b.args);
    this.env = Map.copyOf(b.env);
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.mounts = List.copyOf(b.mounts.values());
    this.randomSeed = b.randomSeed;
    this.wasiTrace = b.wasiTrace;
    this.attachment = b.attachment;
  }

  /** Options with nothing set. */
  public static InstanceOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Returns the program name the guest sees as {@code argv[0]}, or {@code null} for the plugin's id. */
  public String programName() {
    return programName;
  }

  public List<String> args() {
    return args;
  }

  public Map<String, String> env() {
    return env;
  }

  public InputStream stdin() {
    return stdin;
  }

  public OutputStream stdout() {
    return stdout;
  }

  public OutputStream stderr() {
    return stderr;
  }

  /** The directories this instance gets besides the host's granted mounts, in order. */
  public List<VirtualMount> mounts() {
    return mounts;
  }

  /** The seed of a deterministic {@code random_get}, or {@code null} for {@code SecureRandom}. */
  public Long randomSeed() {
    return randomSeed;
  }

  /** Receives every WASI call of the instance, or {@code null}. */
  public Consumer<WasiCall> wasiTrace() {
    return wasiTrace;
  }

  /** Returns what the application attached to the instance for its host functions, or {@code null}. */
  public Object attachment() {
    return attachment;
  }

  /** Builds {@link InstanceOptions}. */
  public static final class Builder {
    private String programName;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private InputStream stdin = NO_INPUT;
    private OutputStream stdout = DISCARD;
    private OutputStream stderr = TO_LOG;
    private final Map<String, VirtualMount> mounts = new LinkedHashMap<>();
    private Long randomSeed;
    private Consumer<WasiCall> wasiTrace;
    private Object attachment;

    private Builder() {}

    /** Sets {@code argv[0]}; by default it is the plugin's id. */
    public Builder programName(String name) {
      this.programName = Objects.requireNonNull(name, "programName");
      return this;
    }

    /** Adds arguments after the program name. */
    public Builder args(List<String> arguments) {
      for (String a : arguments) {
        args.add(Objects.requireNonNull(a, "argument"));
      }
      return this;
    }

    /** Adds arguments after the program name. */
    public Builder args(String... arguments) {
      return args(List.of(arguments));
    }

    /** Sets an environment variable. */
    public Builder env(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException("environment variable name '" + name + "' is empty or contains '='");
      }
      env.put(name, value);
      return this;
    }

    /**
     * Sets the guest's standard input (default: empty). Unless it is a {@code ByteArrayInputStream} (which never
     * blocks), the stream is read by a pump thread of the instance, only when and as much as the guest asks, so
     * that a deadline, a cancel or a session's idle timeout ends a guest waiting for input at once, whatever the
     * stream (a socket, a pipe, {@code System.in}). The bytes of a read in progress when the guest is stopped are
     * lost to the application; the stream is never closed.
     */
    public Builder stdin(InputStream in) {
      this.stdin = Objects.requireNonNull(in, "stdin");
      return this;
    }

    /**
     * Sets the guest's standard output (default: discarded). Unless it is a {@code ByteArrayOutputStream}, the
     * guest's writes go into a buffer of the instance (at most 64 KiB) that a writer thread writes to the stream
     * and flushes, so that a deadline or a cancel ends a guest blocked on a stream that does not drain (a client
     * that does not read), and its interrupt never reaches the stream (which would close an interruptible
     * channel). Everything a call wrote is in the stream when the call returns; a failure of the stream is
     * reported to the guest's next write. The stream is never closed.
     */
    public Builder stdout(OutputStream out) {
      this.stdout = Objects.requireNonNull(out, "stdout");
      return this;
    }

    /**
     * Sets the guest's standard error, written as {@link #stdout} is. Default: line by line to the logger {@code
     * dev.terrarium.plugin.ID} at INFO ({@link System.Logger}; route it with a bridge to SLF4J or Log4j), bounded
     * per instance so that a flooding guest cannot exhaust the host (see docs/logging.md).
     */
    public Builder stderr(OutputStream err) {
      this.stderr = Objects.requireNonNull(err, "stderr");
      return this;
    }

    /** Discards the guest's standard error instead of logging it. */
    public Builder discardStderr() {
      this.stderr = DISCARD;
      return this;
    }

    /**
     * Pre-opens {@code directory} at {@code guestPath}.
     *
     * @throws IllegalArgumentException when the path is empty, contains NUL, is too long, or is already mounted
     */
    public Builder mount(String guestPath, DirectoryNode directory, MountMode mode) {
      VirtualMount m = new VirtualMount(guestPath, directory, mode);
      if (mounts.putIfAbsent(guestPath, m) != null) {
        throw new IllegalArgumentException("'" + guestPath + "' is mounted twice");
      }
      return this;
    }

    /** Makes {@code random_get} deterministic: the same seed gives the same bytes. */
    public Builder randomSeed(long seed) {
      this.randomSeed = seed;
      return this;
    }

    /**
     * Sends every WASI call (function, arguments, errno, duration) to {@code trace}, on the calling thread, as
     * it returns.
     */
    public Builder wasiTrace(Consumer<WasiCall> trace) {
      this.wasiTrace = Objects.requireNonNull(trace, "trace");
      return this;
    }

    /**
     * Attaches application data to the instance: its host functions find it in {@link
     * dev.terrarium.api.HostCallContext#attachment()} (a session, a user, a request), and a per-instance typed
     * implementation ({@link PluginHost.Builder#hostImportsPerInstance}) can be built
     * from it. The guest never sees it.
     */
    public Builder attach(Object attachment) {
      this.attachment = Objects.requireNonNull(attachment, "attachment");
      return this;
    }

    public InstanceOptions build() {
      return new InstanceOptions(this);
    }
  }
}
