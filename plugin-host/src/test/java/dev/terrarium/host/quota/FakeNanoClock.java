package dev.terrarium.host.quota;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nanosecond clock that only moves when a test moves it. */
final class FakeNanoClock implements LongSupplier {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Override
  public long getAsLong() {
    return now.get();
  }

  void advance(Duration by) {
    now.addAndGet(by.toNanos());
  }

  void advanceNanos(long nanos) {
    now.addAndGet(nanos);
  }
}
