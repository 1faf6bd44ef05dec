package dev.terrarium.host.reload;

import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginInstance;
import java.util.Optional;
import java.util.function.Function;

/**
 * A handle on a plugin of a {@link PluginDirectory} that always reaches the version serving now. Each call borrows
 * an instance of that version from its instance pool for the call's length: a call that has begun finishes on the
 * version it began on, even if a new version is swapped in meanwhile, and the next call goes to the new one.
 * Thread-safe; cheap to keep.
 *
 * <pre>{@code
 * PluginRef adder = directory.plugin("adder");
 * long[] sum = adder.call("add", 40, 2);
 * int pages = adder.with(instance -> instance.memoryPages());
 * }</pre>
 *
 * <p>When the plugin serves no calls (not started, stopped, disabled, failed, or never deployed), every call fails
 * with {@link dev.terrarium.api.PluginUnavailableException}. Failures of the call itself, and of the pool ({@link
 * dev.terrarium.api.PoolExhaustedException}), pass through unchanged.
 */
public final class PluginRef {
  private final PluginDirectory directory;
  private final String id;

  PluginRef(PluginDirectory directory, String id) {
    this.directory = directory;
    this.id = id;
  }

  /** Returns the plugin's id. */
  public String id() {
    return id;
  }

  /**
   * Returns the plugin's status now; a plugin the directory has never seen is {@code STOPPED} with no version.
   */
  public PluginStatus status() {
    return directory.status(id).orElse(new PluginStatus(id, PluginState.STOPPED, null, null));
  }

  /**
   * Returns the version serving now, if any. An instance made from it directly is the caller's to close, and is
   * not drained when a new version is swapped in; prefer {@link #with}.
   */
  public Optional<Plugin> plugin() {
    return directory.servingPlugin(id);
  }

  /**
   * Borrows an instance of the version serving now, applies {@code function} to it, and returns the instance,
   * whatever {@code function} throws (which passes through unchanged). {@code function} must not keep the
   * instance.
   *
   * @throws dev.terrarium.api.PluginUnavailableException when the plugin serves no calls
   * @throws IllegalArgumentException when {@code function} is null
   */
  public <R> R with(Function<? super PluginInstance, ? extends R> function) {
    if (function == null) {
      throw new IllegalArgumentException("function must not be null: give the work to do with the instance");
    }
    return directory.withInstance(id, function);
  }

  /**
   * Calls the export {@code name} of an instance of the version serving now with numeric arguments, as {@link
   * PluginInstance#call(String, long...)} does.
   *
   * @throws dev.terrarium.api.PluginUnavailableException when the plugin serves no calls
   * @throws IllegalArgumentException when {@code name} or {@code args} is null
   */
  public long[] call(String name, long... args) {
    if (name == null) {
      throw new IllegalArgumentException("export name must not be null");
    }
    if (args == null) {
      throw new IllegalArgumentException("args must not be null: pass no arguments for an export that takes none");
    }
    return directory.withInstance(id, instance -> instance.call(name, args));
  }

  /**
   * Returns a typed proxy for an interface annotated {@code @PluginExports}: each method call borrows an instance
   * of the version serving at that moment (through its pool's {@link
   * dev.terrarium.host.pool.InstancePool#exports} proxy) and returns it afterwards. Thread-safe.
   *
   * @throws IllegalArgumentException when {@code type} is null, not an interface, or not annotated
   */
  public <T> T exports(Class<T> type) {
    return directory.exports(id, type);
  }

  @Override
  public String toString() {
    return "PluginRef[" + id + " in " + directory.path() + "]";
  }
}
