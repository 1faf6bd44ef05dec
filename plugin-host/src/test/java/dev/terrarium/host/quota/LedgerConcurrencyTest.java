package dev.terrarium.host.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class LedgerConcurrencyTest {
  private static final int THREADS = 8;
  private static final long SLICE = 1_000;
  private static final long MAX_OVERRUN = 60;

  /** What the simulated guests did, and what the meters said. */
  record Totals(long simulated, long settled, long exhaustions) {}

  /**
   * Runs {@code THREADS} simulated guests on one tenant until each has run out of fuel {@code exhaustionsEach}
   * times. A guest spends random amounts, sometimes overrunning its slice a little, refuels when its counter runs
   * down and settles in a finally block, like the runtime will.
   */
  static Totals hammer(FuelAccount account, int exhaustionsEach, long seed) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong simulated = new AtomicLong();
    AtomicLong settled = new AtomicLong();
    AtomicLong exhaustions = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      SplittableRandom random = new SplittableRandom(seed + t);
      futures.add(
          pool.submit(
              () -> {
                start.await();
                InstanceFuel instance = account.newInstance();
                int exhausted = 0;
                while (exhausted < exhaustionsEach) {
                  FuelMeter meter = instance.startCall("p", "run", 1 + random.nextLong(SLICE));
                  long counter = 0;
                  long spent = 0;
                  try {
                    counter = meter.takeSlice();
                    int steps = random.nextInt(1, 40);
                    for (int i = 0; i < steps; i++) {
                      long cost = random.nextLong(1, counter + MAX_OVERRUN);
                      counter -= cost;
                      spent += cost;
                      if (counter <= 0) {
                        counter = meter.refuel(counter);
                      }
                    }
                  } catch (FuelExhaustedException e) {
                    exhausted++;
                  } finally {
                    settled.addAndGet(meter.settle(counter));
                    simulated.addAndGet(spent);
                  }
                }
                exhaustions.addAndGet(exhausted);
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return new Totals(simulated.get(), settled.get(), exhaustions.get());
  }

  @RepeatedTest(5)
  void manyThreadsChargingOneTenantLoseNothingAndOverspendAtMostOneSlicePerThread(RepetitionInfo repetition)
      throws Exception {
    FakeNanoClock frozen = new FakeNanoClock(); // never advanced: no refill interferes
    InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(frozen);
    long capacity = 3_000_000;
    FuelPolicy policy = FuelPolicy.builder().capacity(capacity).refill(1_000_000, Duration.ofSeconds(1)).build();
    FuelAccount account = new FuelAccount("acme", policy, ledger);

    AtomicBoolean done = new AtomicBoolean();
    AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
    Thread watcher =
        new Thread(
            () -> {
              while (!done.get()) {
                long balance = account.balance();
                lowest.accumulateAndGet(balance, Math::min);
              }
            });
    watcher.start();
    Totals totals;
    try {
      totals = hammer(account, 3, 42L * repetition.getCurrentRepetition());
    } finally {
      done.set(true);
      watcher.join();
    }

    long balance = account.balance();
    assertThat(totals.exhaustions()).isEqualTo(3L * THREADS);
    assertThat(totals.settled()).isEqualTo(totals.simulated());
    assertThat(capacity - balance).isEqualTo(totals.simulated());
    assertThat(account.used()).isEqualTo(totals.simulated());
    assertThat(Math.min(lowest.get(), balance)).isGreaterThanOrEqualTo(-THREADS * SLICE);
  }

  @Test
  void manyThreadsOnASharedInstanceNeverPassItsCapByMoreThanOneOverrunPerThread() throws Exception {
    InMemoryFuelLedger ledger = InMemoryFuelLedger.withNanoClock(new FakeNanoClock());
    FuelPolicy policy =
        FuelPolicy.builder().capacity(100_000_000).refill(0, Duration.ofSeconds(1)).perInstanceCap(500_000).build();
    FuelAccount account = new FuelAccount("acme", policy, ledger);
    InstanceFuel shared = account.newInstance();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    AtomicLong simulated = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      SplittableRandom random = new SplittableRandom(t);
      futures.add(
          pool.submit(
              () -> {
                while (true) {
                  FuelMeter meter = shared.startCall("p", "run", SLICE);
                  long counter = 0;
                  long spent = 0;
                  try {
                    counter = meter.takeSlice();
                    long cost = random.nextLong(1, counter + MAX_OVERRUN);
                    counter -= cost;
                    spent += cost;
                  } catch (FuelExhaustedException e) {
                    return null;
                  } finally {
                    meter.settle(counter);
                    simulated.addAndGet(spent);
                  }
                }
              }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();

    assertThat(shared.used()).isEqualTo(simulated.get());
    assertThat(account.balance()).isEqualTo(100_000_000 - simulated.get());
    assertThat(shared.used()).isBetween(500_000L - SLICE, 500_000L + THREADS * MAX_OVERRUN);
  }
}
