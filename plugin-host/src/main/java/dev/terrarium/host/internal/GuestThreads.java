package dev.terrarium.host.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads with a chosen stack size, on which guest code runs when a plugin's limits set {@code guestStackBytes}.
 * One cached pool per stack size; idle threads end after a minute.
 */
public final class GuestThreads implements AutoCloseable {
  private final Map<Long, ExecutorService> pools = new ConcurrentHashMap<>();
  private final String prefix;

  public GuestThreads(String prefix) {
    this.prefix = prefix;
  }

  /** Returns the executor whose threads have {@code stackBytes} of stack. */
  public ExecutorService forStackSize(long stackBytes) {
    return pools.computeIfAbsent(stackBytes, this::newPool);
  }

  private ExecutorService newPool(long stackBytes) {
    AtomicInteger count = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t =
              new Thread(null, r, prefix + "-stack" + (stackBytes / 1024) + "k-" + count.incrementAndGet(), stackBytes);
          t.setDaemon(true);
          return t;
        };
    return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
  }

  @Override
  public void close() {
    pools.values().forEach(ExecutorService::shutdownNow);
    pools.clear();
  }
}
