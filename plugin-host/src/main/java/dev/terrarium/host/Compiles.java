package dev.terrarium.host;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.host.engine.EngineArtifact;
import dev.terrarium.host.internal.CompileThreads;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A host's compiles to JVM bytecode, through its {@link ModuleCache}: those {@code load} waits for and those of
 * tiered start in the background, each reported to the host's {@link CompileListener}. A module whose background
 * compile failed is not compiled again by this host: its later loads stay interpreted at once.
 */
final class Compiles implements AutoCloseable {
  /** The module a compile is for, as events name it. */
  record Subject(String pluginId, String sha256, long moduleBytes) {}

  private final ModuleCache cache;
  private final CompileListener listener;
  private final Duration progressInterval;
  private final CompileThreads threads;
  private final ConcurrentHashMap<ModuleCache.Key, CompletableFuture<EngineArtifact>> running =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<ModuleCache.Key, PluginLoadException> failed = new ConcurrentHashMap<>();

  Compiles(ModuleCache cache, CompileListener listener, Duration progressInterval, String threadPrefix) {
    this.cache = cache;
    this.listener = listener;
    this.progressInterval = progressInterval;
    this.threads = new CompileThreads(threadPrefix);
  }

  /** Returns the artifact for {@code key}, compiling it on this thread unless the cache has it or gets it. */
  EngineArtifact now(ModuleCache.Key key, Subject subject, ModuleCache.Loader loader) {
    if (key.mode() != ExecutionMode.COMPILER) {
      return cache.computeIfAbsent(key, loader);
    }
    return cache.computeIfAbsent(key, observed(subject, false, loader));
  }

  /** {@code loader}, with its compiles (not its loads from the cache's directory) told to the listener. */
  private ModuleCache.Loader observed(Subject subject, boolean background, ModuleCache.Loader loader) {
    return new ModuleCache.Loader() {
      @Override
      public ModuleCache.Compiled compile(boolean keepClasses) {
        return observed(subject, background, () -> loader.compile(keepClasses));
      }

      @Override
      public EngineArtifact restore(dev.terrarium.host.cache.StoredModule stored) {
        return loader.restore(stored);
      }
    };
  }

  /**
   * Returns the future of the compiled artifact for {@code key}: compiled on the compile thread (once for all the
   * loads that ask while it runs, and through the cache, which other hosts see), or failed at once when it failed
   * before. It fails with the compile's {@link PluginLoadException}, or a {@link CancellationException} when the
   * host closes first.
   */
  CompletableFuture<EngineArtifact> inBackground(
      ModuleCache.Key key, Subject subject, ModuleCache.Loader loader, java.time.Duration delay) {
    PluginLoadException before = failed.get(key);
    if (before != null) {
      return CompletableFuture.failedFuture(before);
    }
    @SuppressWarnings("unchecked")
    CompletableFuture<EngineArtifact>[] started = new CompletableFuture[1];
    CompletableFuture<EngineArtifact> future =
        running.computeIfAbsent(key, k -> started[0] = threads.submit(delay, () -> compileInBackground(k, subject, loader)));
    if (started[0] != null) {
      CompletableFuture<EngineArtifact> mine = started[0];
      mine.whenComplete((a, e) -> running.remove(key, mine));
    }
    return future;
  }

  private EngineArtifact compileInBackground(ModuleCache.Key key, Subject subject, ModuleCache.Loader loader) {
    try {
      return cache.computeIfAbsent(key, observed(subject, true, loader));
    } catch (RuntimeException | Error e) {
      // Recorded before the future fails, so that a load that sees the failure does not compile again.
      failed.put(key, loadFailure(subject, e));
      throw e;
    }
  }

  /** Runs {@code compile}, telling the listener when it starts, while it runs, and how it ends. */
  private <T> T observed(Subject subject, boolean background, Supplier<T> compile) {
    long start = System.nanoTime();
    if (listener == null) {
      try {
        T compiled = compile.get();
        log(subject, background, start, null);
        return compiled;
      } catch (RuntimeException | Error e) {
        log(subject, background, start, loadFailure(subject, e));
        throw e;
      }
    }
    Object order = new Object();
    boolean[] ended = new boolean[1];
    emit(subject, CompileEvent.Kind.STARTED, background, start, null);
    Runnable stopTicks =
        threads.every(
            progressInterval,
            () -> {
              synchronized (order) {
                if (!ended[0]) {
                  emit(subject, CompileEvent.Kind.PROGRESS, background, start, null);
                }
              }
            });
    try {
      T compiled = compile.get();
      stopTicks.run();
      synchronized (order) {
        ended[0] = true;
        emit(subject, CompileEvent.Kind.FINISHED, background, start, null);
      }
      return compiled;
    } catch (RuntimeException | Error e) {
      stopTicks.run();
      synchronized (order) {
        ended[0] = true;
        emit(subject, CompileEvent.Kind.FAILED, background, start, loadFailure(subject, e));
      }
      throw e;
    }
  }

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host");

  /** Logs how a compile ended: at INFO with its time, or at WARNING with why it failed. */
  private static void log(Subject s, boolean background, long start, PluginLoadException failure) {
    long millis = (System.nanoTime() - start) / 1_000_000;
    String what =
        "plugin '" + s.pluginId() + "' (" + s.moduleBytes() + " bytes, sha256 " + s.sha256().substring(0, 12)
            + "...)" + (background ? " in the background" : "");
    if (failure == null) {
      LOG.log(System.Logger.Level.INFO, "compiled " + what + " to JVM bytecode in " + millis + " ms");
    } else {
      LOG.log(
          System.Logger.Level.WARNING,
          "compiling " + what + " failed after " + millis + " ms: " + failure.getMessage());
    }
  }

  private void emit(Subject s, CompileEvent.Kind kind, boolean background, long start, PluginLoadException failure) {
    if (kind == CompileEvent.Kind.FINISHED || kind == CompileEvent.Kind.FAILED) {
      log(s, background, start, failure);
    }
    Duration elapsed = kind == CompileEvent.Kind.STARTED ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - start);
    try {
      listener.onCompile(
          new CompileEvent(kind, s.pluginId(), s.sha256(), s.moduleBytes(), background, elapsed, failure));
    } catch (RuntimeException e) {
      // A listener's failure is its own: the compile goes on.
    }
  }

  /** The failure of a compile as a {@link PluginLoadException} (which it already is when the engine failed). */
  static PluginLoadException loadFailure(Subject subject, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof PluginLoadException p) {
      return p;
    }
    return new PluginLoadException(
        ErrorCode.LOAD_UNSUPPORTED,
        subject.pluginId(),
        "compiling the module to JVM bytecode failed: "
            + cause
            + ". Run the module in the interpreter (ExecutionMode.INTERPRETER; a tiered plugin stays there), or"
            + " report it to Terrarium.",
        cause);
  }

  /** Cancels the background compiles not started, abandons the running one, and stops the compile threads. */
  @Override
  public void close() {
    threads.close();
  }
}
