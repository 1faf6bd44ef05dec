package dev.terrarium.host.engine;

import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.abi.Allocator;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import run.endive.runtime.Instance;

/**
 * What the host functions of one instance see of their caller. Made once per instance (not per call), so a host
 * call costs no allocation for it; the same object reaches host code on the caller's thread and on a guest-stack
 * thread. Two views share one state: the plain one, and one that may pass host objects as externrefs.
 */
public final class InstanceContext implements HostCallContext {
  private final State state;
  private final ExternRefs refs;

  private static final class State {
    final String pluginId;
    final InstanceSpec.Caller caller;
    /** The engine's instance: set at each host call, since host functions run before the builder returns. */
    Instance instance;
    GuestMemory memory;
    Allocator allocator;
    /** Per-instance implementations of typed host imports, by their registration; made on first use. */
    final Map<Object, Object> values = new IdentityHashMap<>();
    final List<AutoCloseable> closeables = new ArrayList<>();
    boolean closed;

    State(String pluginId, InstanceSpec.Caller caller) {
      this.pluginId = pluginId;
      this.caller = caller;
    }
  }

  private InstanceContext(State state, ExternRefs refs) {
    this.state = state;
    this.refs = refs;
  }

  static InstanceContext create(String pluginId, InstanceSpec.Caller caller) {
    return new InstanceContext(new State(pluginId, caller), null);
  }

  /** The view for host functions whose signature has an externref. */
  InstanceContext withRefs(ExternRefs refs) {
    return new InstanceContext(state, refs);
  }

  /** Records the engine's instance that is calling (a plain store; an instance makes one call at a time). */
  InstanceContext at(Instance instance) {
    state.instance = instance;
    return this;
  }

  /**
   * Returns the calling instance's value for {@code key}, made by {@code factory} on first use and kept until
   * the instance closes (then closed, if it is {@link AutoCloseable}).
   *
   * @throws IllegalStateException when the factory returns null, or the instance is closed
   */
  public <T> T instanceValue(Object key, Function<? super HostCallContext, ? extends T> factory) {
    State s = state;
    synchronized (s) {
      @SuppressWarnings("unchecked")
      T value = (T) s.values.get(key);
      if (value != null) {
        return value;
      }
      if (s.closed) {
        throw new IllegalStateException("the instance of plugin '" + s.pluginId + "' is closed");
      }
      value = factory.apply(this);
      if (value == null) {
        throw new IllegalStateException(
            "the per-instance factory " + key + " returned null for the instance of plugin '" + s.pluginId + "'");
      }
      s.values.put(key, value);
      if (value instanceof AutoCloseable c) {
        s.closeables.add(c);
      }
      return value;
    }
  }

  /** Closes the per-instance values that are {@link AutoCloseable}, newest first; a failure is logged. */
  void close() {
    List<AutoCloseable> toClose;
    State s = state;
    synchronized (s) {
      if (s.closed) {
        return;
      }
      s.closed = true;
      toClose = new ArrayList<>(s.closeables);
      s.values.clear();
      s.closeables.clear();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception | LinkageError e) {
        System.getLogger("dev.terrarium.host")
            .log(
                System.Logger.Level.WARNING,
                "closing a per-instance host import of plugin '" + s.pluginId + "' failed",
                e);
      }
    }
  }

  @Override
  public String pluginId() {
    return state.pluginId;
  }

  @Override
  public String tenant() {
    return state.caller.tenant();
  }

  @Override
  public long instanceId() {
    return state.caller.instanceId();
  }

  @Override
  public Object attachment() {
    return state.caller.attachment();
  }

  @Override
  public GuestMemory memory() {
    State s = state;
    GuestMemory m = s.memory;
    if (m == null) {
      m = EngineInstance.guestMemory(s.pluginId, instance());
      s.memory = m; // the same view serves every call: the engine's memory object outlives growth
    }
    return m;
  }

  @Override
  public Allocator allocator() {
    State s = state;
    Allocator a = s.allocator;
    if (a == null) {
      a = EngineInstance.allocator(s.pluginId, instance());
      s.allocator = a;
    }
    return a;
  }

  private Instance instance() {
    Instance i = state.instance;
    if (i == null) {
      throw new IllegalStateException("the instance of plugin '" + state.pluginId + "' is not running");
    }
    return i;
  }

  @Override
  public long externRef(Object object) {
    return refs().handle(object);
  }

  @Override
  public Object externObject(long handle) {
    return refs().object(handle);
  }

  private ExternRefs refs() {
    if (refs == null) {
      throw new IllegalStateException(
          "only a host function whose signature has an externref can pass host objects to the guest");
    }
    return refs;
  }

  @Override
  public String toString() {
    InstanceSpec.Caller c = state.caller;
    return "HostCallContext[plugin=" + state.pluginId + ", tenant=" + c.tenant() + ", instance=" + c.instanceId() + "]";
  }
}
