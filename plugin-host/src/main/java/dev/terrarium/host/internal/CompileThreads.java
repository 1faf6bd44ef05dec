package dev.terrarium.host.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A host's threads for compiling in the background (tiered start) and for reporting the progress of compiles:
 * one compile thread (compiles are single-threaded and CPU-bound: more would only compete with the guests they
 * serve), jobs queued in order, and one timer thread, for the ticks of compile progress and for jobs that start after
 * a delay. Both are daemons, made when first needed, and end after
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
  private ScheduledThreadPoolExecutor timer;
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
      return future;
    }
    // Queued when the delay ends. Closing this first drops it from the timer and cancels the future (which is
    // pending): a timer found closed, here or when the delay ends, leaves the future to close().
    ScheduledThreadPoolExecutor timer = timer();
    Runnable enqueue =
        () -> {
          if (!future.isDone()) {
            try {
              executor.execute(task);
            } catch (RejectedExecutionException e) {
              future.completeExceptionally(new CancellationException("the host was closed"));
            }
          }
        };
    try {
      if (timer != null) {
        timer.schedule(enqueue, delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (RejectedExecutionException e) {
      future.completeExceptionally(new CancellationException("the host was closed"));
    }
    return future;
  }

  /**
   * Runs {@code tick} every {@code period} on the timer thread until the returned action is run or this is
   * closed.
   */
  public Runnable every(Duration period, Runnable tick) {
    ScheduledThreadPoolExecutor executor = timer();
    if (executor == null) {
      return () -> {};
    }
    long nanos = Math.max(1, period.toNanos());
    ScheduledFuture<?> ticks = executor.scheduleAtFixedRate(tick, nanos, nanos, TimeUnit.NANOSECONDS);
    return () -> ticks.cancel(false);
  }

  /** The timer, made when first needed, or {@code null} when this is closed. */
  private synchronized ScheduledThreadPoolExecutor timer() {
    if (closed) {
      return null;
    }
    if (timer == null) {
      timer = new ScheduledThreadPoolExecutor(1, this::timerThread);
      timer.setKeepAliveTime(IDLE_SECONDS, TimeUnit.SECONDS);
      timer.allowCoreThreadTimeOut(true);
      timer.setRemoveOnCancelPolicy(true);
    }
    return timer;
  }

  private Thread compileThread(Runnable r) {
    Thread t = new Thread(null, r, prefix + "-compile-" + threadCount.incrementAndGet(), STACK_BYTES);
    t.setDaemon(true);
    return t;
  }

  private Thread timerThread(Runnable r) {
    Thread t = new Thread(r, prefix + "-compile-timer-" + threadCount.incrementAndGet());
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
      if (timer != null) {
        timer.shutdownNow();
      }
    }
    for (CompletableFuture<?> f : Set.copyOf(pending)) {
      f.completeExceptionally(new CancellationException("the host was closed"));
    }
  }
}
