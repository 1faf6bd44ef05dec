package dev.terrarium.host.engine;

import dev.terrarium.api.BadExportException;
import dev.terrarium.api.InstanceUnusableException;
import dev.terrarium.api.WasmType;
import java.util.List;
import java.util.concurrent.ExecutorService;
import run.endive.runtime.Machine;

/**
 * An exported function of one {@link EngineInstance}, resolved once. The public {@code GuestFunction} extends
 * it. A call checks the instance and the arguments, then runs through the instance's watchdog slot (so that it
 * can be cancelled or timed out) to the engine's machine with the function's index, one object less than
 * Endive's own {@code ExportFunction} goes through (see docs/performance.md).
 */
public class ExportCall {
  private final EngineInstance owner;
  private final String name;
  private final Machine machine;
  private final int index;
  private final List<WasmType> params;
  private final List<WasmType> results;
  private final ExecutorService guestExecutor;
  /** The resolved export when its signature has references (their values are converted), else {@code null}. */
  private final EngineInstance.Resolved references;
  /** Whether a typed binding calls it to pass values ({@code alloc}, {@code dealloc}), not the application. */
  private final boolean marshalling;
  /** Hears how calls end, or {@code null} when no metrics are recorded (then nothing is). */
  private final CallObserver observer;
  /** {@code observer.timingInterval() - 1}: a call is timed when {@code (calls & timingMask) == 0}. */
  private final int timingMask;
  /**
   * The calls made through this object, and those that failed, when it has an observer: written by the one thread
   * that calls at a time (opaque, so never elided), read by the observer when metrics are published.
   */
  private long calls;

  private long failures;

  private static final java.lang.invoke.VarHandle CALLS;
  private static final java.lang.invoke.VarHandle FAILURES;

  static {
    try {
      var lookup = java.lang.invoke.MethodHandles.lookup();
      CALLS = lookup.findVarHandle(ExportCall.class, "calls", long.class);
      FAILURES = lookup.findVarHandle(ExportCall.class, "failures", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Resolves export {@code name} of {@code owner}.
   *
   * @throws BadExportException when it is missing, not a function, or not made of number types
   */
  protected ExportCall(EngineInstance owner, String name) {
    this(owner, name, false);
  }

  /**
   * Resolves export {@code name} of {@code owner}, which a typed binding calls to pass values when {@code
   * marshalling} (its fuel is then told apart, and its calls are not counted as the application's).
   *
   * @throws BadExportException when it is missing, not a function, or not made of number types
   */
  protected ExportCall(EngineInstance owner, String name, boolean marshalling) {
    EngineInstance.Resolved r = owner.resolve(name);
    this.owner = owner;
    this.name = name;
    this.machine = r.machine();
    this.index = r.index();
    this.params = r.params();
    this.results = r.results();
    this.references = r.references() ? r : null;
    this.guestExecutor = owner.guestExecutor;
    this.marshalling = marshalling;
    this.observer = marshalling ? null : owner.callObserver(name);
    this.timingMask = observer == null ? 0 : observer.timingInterval() - 1;
    if (observer != null) {
      observer.register(this);
    }
  }

  /** The calls made through this object (0 without an observer: then nothing is counted). */
  public final long calls() {
    return (long) CALLS.getOpaque(this);
  }

  /** The calls made through this object that failed (0 without an observer). */
  public final long failures() {
    return (long) FAILURES.getOpaque(this);
  }

  /** Hands this object's counts to its observer for good: its instance closed. */
  public final void retire() {
    if (observer != null) {
      observer.retire(this);
    }
  }

  public final String name() {
    return name;
  }

  public final List<WasmType> params() {
    return params;
  }

  public final List<WasmType> results() {
    return results;
  }

  /**
   * Calls the function with arguments encoded as {@link WasmType} describes.
   *
   * @throws dev.terrarium.api.PluginCallException typed by what went wrong
   */
  public final long[] call(long... args) {
    CallObserver o = observer;
    return o == null ? dispatch(args) : observed(o, args);
  }

  private long[] observed(CallObserver o, long[] args) {
    long n = calls;
    CALLS.setOpaque(this, n + 1);
    if ((n & timingMask) != 0) {
      try {
        return dispatch(args);
      } catch (RuntimeException e) {
        FAILURES.setOpaque(this, failures + 1);
        o.failed(e);
        throw e;
      }
    }
    long start = System.nanoTime();
    long[] results;
    try {
      results = dispatch(args);
    } catch (RuntimeException e) {
      FAILURES.setOpaque(this, failures + 1);
      o.failed(e, System.nanoTime() - start);
      throw e;
    }
    o.succeeded(System.nanoTime() - start);
    return results;
  }

  private long[] dispatch(long[] args) {
    if (args == null) {
      throw new NullPointerException("arguments must not be null (pass none for a function without parameters)");
    }
    String unusable = owner.unusableReason();
    if (unusable != null) {
      throw new InstanceUnusableException(owner.pluginId(), name, unusable);
    }
    int expected = params.size();
    if (args.length != expected) {
      int arity = expected;
      throw new BadExportException(
          owner.pluginId(),
          name,
          "it takes " + arity + " argument" + (arity == 1 ? "" : "s") + " " + params + " but was given "
              + args.length + ".");
    }
    if (guestExecutor != null) {
      return owner.onGuestThread(name, () -> owner.invoke(machine, index, name, args, references, marshalling));
    }
    return owner.invoke(machine, index, name, args, references, marshalling);
  }
}
