package dev.terrarium.host.pool;

import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one background thread that every {@link InstancePool} of the process shares: it creates the instances that
 * keep a pool at its minimum idle count, and sweeps idle instances out. It starts with the first pool that needs
 * it, is a daemon, and never runs guest calls.
 */
final class PoolMaintenance {
  private static volatile ScheduledThreadPoolExecutor executor;

  private PoolMaintenance() {}

  private static ScheduledThreadPoolExecutor executor() {
    ScheduledThreadPoolExecutor e = executor;
    if (e == null) {
      synchronized (PoolMaintenance.class) {
        e = executor;
        if (e == null) {
          e =
              new ScheduledThreadPoolExecutor(
                  1,
                  r -> {
                    Thread t = new Thread(r, "terrarium-pool-maintenance");
                    t.setDaemon(true);
                    return t;
                  });
          e.setRemoveOnCancelPolicy(true);
          executor = e;
        }
      }
    }
    return e;
  }

  /** Runs {@code task} on the maintenance thread. */
  static void execute(Runnable task) {
    executor().execute(task);
  }

  /**
   * Sweeps {@code pool} every {@code periodNanos} until it is closed or no longer reachable (the task holds it
   * weakly, so that a pool the application dropped without closing does not stay alive for its sweeps).
   */
  static ScheduledFuture<?> scheduleSweeps(InstancePool pool, long periodNanos) {
    Sweep sweep = new Sweep(new WeakReference<>(pool));
    ScheduledFuture<?> future =
        executor().scheduleAtFixedRate(sweep, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    sweep.future = future;
    return future;
  }

  private static final class Sweep implements Runnable {
    private final WeakReference<InstancePool> pool;
    volatile ScheduledFuture<?> future;

    Sweep(WeakReference<InstancePool> pool) {
      this.pool = pool;
    }

    @Override
    public void run() {
      InstancePool p = pool.get();
      if (p == null || !p.sweep()) {
        ScheduledFuture<?> f = future;
        if (f != null) {
          f.cancel(false);
        }
      }
    }
  }
}
