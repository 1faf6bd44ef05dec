package dev.terrarium.host.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A host's threads for compiling in the background (tiered start) and for reporting the progress of compiles:
 * one compile thread (compiles are single-threaded and CPU-bound: more would only compete with the guests they
 * serve), jobs queued in order, and one progress thread. Both are daemons, made when first needed, and end after
 * {@value #IDLE_SECONDS} idle seconds, so a host that never compiles in the background holds no thread.
 *
 * <p>{@link #close()} cancels the jobs not yet started and abandons the running one: its future completes with a
 * {@link CancellationException} at once. Endive's compiler has no point where it could be interrupted, so a job
 * already compiling runs to its end on its daemon thread, which then ends.
 */
public final class CompileThreads implements AutoCloseable {
  static final int IDLE_SECONDS = 10;
  /** A compile of a large module recurses over deeply nested blocks: give it room. */
  static final long STACK_BYTES = 16L * 1024 * 1024;

  private final String prefix;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private final AtomicInteger threadCount = new AtomicInteger();
  private ThreadPoolExecutor compiler;
  private ScheduledThreadPoolExecutor progress;
  private boolean closed;

  public CompileThreads(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Runs {@code job} on the compile thread after the jobs before it, and returns its future, which completes with
   * what the job returns or throws, or with a {@link CancellationException} when this is closed first.
   */
  public <T> CompletableFuture<T> submit(Supplier<T> job) {
    return submit(Duration.ZERO, job);
  }

  /**
   * Like {@link #submit(Supplier)}, with the job queued only after {@code delay}; closing this meanwhile cancels it
   * as a queued job.
   */
  public <T> CompletableFuture<T> submit(Duration delay, Supplier<T> job) {
    CompletableFuture<T> future = new CompletableFuture<>();
    ThreadPoolExecutor executor;
    synchronized (this) {
      if (closed) {
        future.completeExceptionally(new CancellationException("the host was closed"));
        return future;
      }
      if (compiler == null) {
        compiler =
            new ThreadPoolExecutor(
                1, 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), this::compileThread);
        compiler.allowCoreThreadTimeOut(true);
      }
      executor = compiler;
      pending.add(future);
    }
    future.whenComplete((r, e) -> pending.remove(future));
    Runnable task =
        () -> {
          if (future.isDone()) {
            return;
          }
          try {
            future.complete(job.get());
          } catch (Throwable t) {
            future.completeExceptionally(t);
          }
        };
    if (delay.isZero() || delay.isNegative()) {
      executor.execute(task);
    } else {
      // Queued when the delay ends, unless this was closed meanwhile (then the future is already cancelled).
      CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS)
          .execute(
              () -> {
                if (!future.isDone()) {
                  try {
                    executor.execute(task);
                  } catch (java.util.concurrent.RejectedExecutionException e) {
                    future.completeExceptionally(new CancellationException("the host was closed"));
                  }
                }
              });
    }
    return future;
  }

  /**
   * Runs {@code tick} every {@code period} on the progress thread until the returned action is run or this is
   * closed.
   */
  public Runnable every(Duration period, Runnable tick) {
    ScheduledThreadPoolExecutor executor;
    synchronized (this) {
      if (closed) {
        return () -> {};
      }
      if (progress == null) {
        progress = new ScheduledThreadPoolExecutor(1, this::progressThread);
        progress.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
        progress.allowCoreThreadTimeOut(true);
        progress.setRemoveOnCancelPolicy(true);
      }
      executor = progress;
    }
    long nanos = Math.max(1, period.toNanos());
    ScheduledFuture<?> ticks = executor.scheduleAtFixedRate(tick, nanos, nanos, TimeUnit.NANOSECONDS);
    return () -> ticks.cancel(false);
  }

  private Thread compileThread(Runnable r) {
    Thread t = new Thread(null, r, prefix + "-compile-" + threadCount.incrementAndGet(), STACK_BYTES);
    t.setDaemon(true);
    return t;
  }

  private Thread progressThread(Runnable r) {
    Thread t = new Thread(r, prefix + "-compile-progress-" + threadCount.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  /** Cancels the queued jobs, abandons the running one, and stops the threads (a running compile ends first). */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (compiler != null) {
        compiler.shutdownNow();
      }
      if (progress != null) {
        progress.shutdownNow();
      }
    }
    for (CompletableFuture<?> f : Set.copyOf(pending)) {
      f.completeExceptionally(new CancellationException("the host was closed"));
    }
  }
}
