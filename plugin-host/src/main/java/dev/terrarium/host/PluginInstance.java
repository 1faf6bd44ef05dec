package dev.terrarium.host;

import dev.terrarium.api.GuestMemory;
import dev.terrarium.host.engine.EngineInstance;
import java.time.Duration;
import java.util.Objects;

/**
 * One sandbox of a {@link Plugin}: its own memory, WASI state and imports. Not thread-safe: use it from one
 * thread at a time (an instance pool serves concurrent callers); only {@link #cancel()} and {@link #close()} may
 * come from any thread. A failed call (other than a bad export name
 * or argument count) breaks the instance, which then refuses calls; close it and create another.
 */
public final class PluginInstance implements AutoCloseable {
  private final Plugin plugin;
  private final EngineInstance engine;
  private final java.util.Map<String, GuestFunction> functions = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, GuestFunction> marshalling = new java.util.HashMap<>(4);
  /** The pumps behind the guest's standard streams, or {@code null} when it imports no WASI. */
  private final dev.terrarium.host.internal.StreamPumps pumps;

  /** Counts the plugin's instances, or {@code null} when the host records no metrics. */
  private final dev.terrarium.host.internal.HostMetrics.Instances counted;
  /** Whether {@link #close()} has run (the instance is counted closed once). */
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  PluginInstance(
      Plugin plugin,
      EngineInstance engine,
      dev.terrarium.host.internal.StreamPumps pumps,
      dev.terrarium.host.internal.HostMetrics.Instances counted) {
    this.plugin = plugin;
    this.engine = engine;
    this.pumps = pumps;
    this.counted = counted;
    if (counted != null) {
      counted.created();
    }
  }

  public Plugin plugin() {
    return plugin;
  }

  /**
   * Returns the host's hold on the instance's WASI descriptors.
   *
   * @throws IllegalStateException when the plugin imports no WASI function
   */
  public WasiDescriptors wasi() {
    var wasi = engine.wasi();
    if (wasi == null) {
      throw new IllegalStateException(
          "plugin '" + plugin.id() + "' imports no WASI function, so it has no descriptors");
    }
    return new WasiDescriptors(wasi);
  }

  /** Returns the exported function {@code name}, to call it repeatedly without looking it up again. */
  public GuestFunction function(String name) {
    Objects.requireNonNull(name, "export name must not be null");
    GuestFunction f = functions.get(name);
    if (f == null) {
      f = new GuestFunction(engine, name);
      functions.put(name, f);
    }
    return f;
  }

  /** See {@link EngineInstance#beginTypedCall}. */
  boolean beginTypedCall(String function) {
    return engine.beginTypedCall(function);
  }

  /** See {@link EngineInstance#endTypedCall}. */
  void endTypedCall(boolean began, RuntimeException failure) {
    engine.endTypedCall(began, failure);
  }

  /**
   * Returns the export {@code alloc} or {@code dealloc} as a typed binding calls it to pass values: its calls are
   * neither counted nor timed as the application's, and their fuel is told apart (see docs/metrics.md).
   */
  GuestFunction marshallingFunction(String name) {
    GuestFunction f = marshalling.get(name);
    if (f == null) {
      f = new GuestFunction(engine, name, true);
      marshalling.put(name, f);
    }
    return f;
  }

  /**
   * Calls the exported function {@code name} with numeric arguments encoded as {@link
   * dev.terrarium.api.WasmType} describes, and returns its results.
   */
  public long[] call(String name, long... args) {
    return function(name).call(args);
  }

  /**
   * Runs the plugin as a WASI command (its {@code _start} export) and returns its exit code: 0 when it returns
   * normally, otherwise the code it passed to {@code proc_exit}. A trap or timeout throws as for any call. The
   * instance is spent afterwards.
   */
  public int run() {
    return engine.runCommand();
  }

  /**
   * Runs the plugin as a WASI command serving a session (a REPL over a connection, say) under {@code limits}
   * instead of the per-call ones: the plugin's {@code callTimeout} and per-call fuel cap do not apply; the
   * session's deadline, idle timeout and fuel cap do. Fuel is drawn from the tenant as the session goes, in
   * slices, and charged exactly, as for any call. Returns the exit code as {@link #run()} does.
   *
   * @throws dev.terrarium.api.CallCancelledException with {@code SESSION_IDLE} when the guest waited for input
   *     longer than the idle timeout, or {@code CALL_CANCELLED} when the application cancelled it
   * @throws dev.terrarium.api.CallTimeoutException when the session ran past its deadline
   * @throws dev.terrarium.api.FuelExhaustedException when it used its fuel cap ({@code SESSION_CAP}) or the
   *     tenant's fuel ran out
   */
  public int runSession(SessionLimits limits) {
    Objects.requireNonNull(limits, "limits");
    return engine.runSession(
        limits.idleTimeout(), limits.deadline(), limits.maxFuel(), pumps == null ? null : pumps.inputPump());
  }

  /**
   * Cancels the instance, from any thread: a call running now is interrupted and fails on its own thread with
   * {@link dev.terrarium.api.CallCancelledException} ({@code CALL_CANCELLED}), and every later call is refused
   * ({@code CALL_INSTANCE_UNUSABLE}). Returns at once; {@link #cancel(Duration)} also waits for the call to end.
   *
   * <p>A guest stops at its next loop back-edge or call, or at once when it waits: on its standard streams (read
   * and written by pump threads, so whatever the stream: a socket, a pipe, a client that does not read), in
   * {@code poll_oneoff}, or in an interruptible host function. Only a host function that ignores interrupts can
   * delay the end.
   */
  public void cancel() {
    engine.cancel();
  }

  /**
   * Cancels the instance as {@link #cancel()} does, then waits at most {@code wait} for a call running on another
   * thread to end. Returns whether no call runs any more.
   */
  public boolean cancel(Duration wait) {
    Objects.requireNonNull(wait, "wait");
    engine.cancel();
    try {
      return engine.awaitIdle(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Returns a typed proxy for an interface annotated {@code @PluginExports}, through the binding that {@code
   * abi-codegen} generated for it. Checks now that the module exports every function with the expected
   * signature (and {@code memory}, {@code alloc}, {@code dealloc} when values pass in memory).
   *
   * @throws dev.terrarium.api.BadExportException when the module does not match the interface
   * @throws IllegalArgumentException when the interface is not annotated or has no generated binding
   */
  public <T> T exports(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return Bindings.proxy(type, new InstanceExports(this));
  }

  /**
   * Returns the fuel the last call (on a host that meters fuel) used, exactly as its tenant was charged; -1
   * when no metered call ran. A typed call (through {@link #exports}) counts as one call, the {@code alloc} and
   * {@code dealloc} calls its binding makes included; every low-level call counts separately.
   */
  public long lastCallFuel() {
    return engine.lastCallFuel();
  }

  /**
   * Returns the value of the exported global {@code name}, encoded as {@link dev.terrarium.api.WasmType}
   * describes (an externref as a handle of this instance, see {@link #externObject}).
   *
   * @throws dev.terrarium.api.BadExportException when there is no export {@code name} or it is not a global
   */
  public long global(String name) {
    return engine.global(Objects.requireNonNull(name, "global name must not be null"));
  }

  /**
   * Returns the type of the exported global {@code name}.
   *
   * @throws dev.terrarium.api.BadExportException when there is no export {@code name} or it is not a global
   */
  public dev.terrarium.api.WasmType globalType(String name) {
    return engine.globalType(Objects.requireNonNull(name, "global name must not be null"));
  }

  /** Returns whether the exported global {@code name} is mutable. */
  public boolean globalMutable(String name) {
    return engine.globalMutable(Objects.requireNonNull(name, "global name must not be null"));
  }

  /**
   * Sets the mutable exported global {@code name}.
   *
   * @throws dev.terrarium.api.BadExportException when it is missing, not a global, immutable, or the value is not
   *     one of its type (a funcref that is no function of this instance, a handle that is not this instance's)
   */
  public void setGlobal(String name, long value) {
    engine.setGlobal(Objects.requireNonNull(name, "global name must not be null"), value);
  }

  /**
   * Returns the handle under which this instance knows {@code object}, to pass it to the guest as an {@code
   * externref} argument; the same object always gets the same handle, and null gets {@link
   * dev.terrarium.api.WasmType#NULL_REF}. The guest holds the object itself and can neither read nor forge one;
   * the instance keeps it reachable until closed.
   */
  public long externRef(Object object) {
    return engine.externRef(object);
  }

  /**
   * Returns the object that an {@code externref} handle of this instance stands for (null for {@link
   * dev.terrarium.api.WasmType#NULL_REF}).
   *
   * @throws IllegalArgumentException when {@code handle} is not a handle of this instance (made up, or another
   *     instance's)
   */
  public Object externObject(long handle) {
    return engine.externObject(handle);
  }

  /** Returns the current memory size in 64 KiB pages (0 when the module has no memory). */
  public int memoryPages() {
    return engine.memoryPages();
  }

  /** Returns a bounds-checked view of the instance's memory. */
  public GuestMemory memory() {
    return engine.memory();
  }

  /**
   * Returns whether this instance runs compiled code; otherwise it is interpreted. An instance keeps the tier of
   * its plugin when it was created ({@link Plugin#compiled()}): one created before a tiered plugin's background
   * compile finished stays interpreted.
   */
  public boolean compiled() {
    return engine.compiled();
  }

  /** Returns whether the instance still accepts calls. */
  public boolean usable() {
    return engine.unusableReason() == null;
  }

  /** Marks the instance broken by a failure found outside the engine (an ABI violation in a binding). */
  void broken(dev.terrarium.api.PluginCallException failure) {
    engine.markBroken(failure);
  }

  /**
   * Frees the instance's resources. Further calls fail with {@code InstanceUnusableException}. Any thread may
   * close it: a call running on another thread is cancelled first (as {@link #cancel()}), and close waits up to
   * five seconds for it to end.
   */
  @Override
  public void close() {
    try {
      engine.close();
    } finally {
      if (pumps != null) {
        pumps.close();
      }
      if (counted != null && closed.compareAndSet(false, true)) {
        counted.closed();
        // The functions' call counts move to their plugin's meters, which stop reading this instance's.
        functions.values().forEach(GuestFunction::retire);
      }
    }
  }
}
