package dev.terrarium.host.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.CallTimeoutException;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.api.PluginInstantiationException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.PoolClosedException;
import dev.terrarium.api.PoolExhaustedException;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.Wat;
import dev.terrarium.samples.SamplePlugins;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Instance pools over real modules: bounds, policies, broken instances, concurrency, close, bad input. */
class InstancePoolTest {
  /**
   * One memory cell at address 16: {@code swap(v)} stores {@code v} and returns what was there; {@code set} and
   * {@code get} write and read a 64-bit cell at 64. Plus a trap, an endless loop and a no-op.
   */
  static final String CELL =
      "(module (memory 1)"
          + " (func (export \"swap\") (param i32) (result i32) (local $old i32)"
          + "   (local.set $old (i32.load (i32.const 16)))"
          + "   (i32.store (i32.const 16) (local.get 0))"
          + "   (local.get $old))"
          + " (func (export \"set\") (param i64) (i64.store (i32.const 64) (local.get 0)))"
          + " (func (export \"get\") (result i64) (i64.load (i32.const 64)))"
          + " (func (export \"noop\"))"
          + " (func (export \"trap\") unreachable)"
          + " (func (export \"spin\") (loop $l (br $l))))";

  private static final byte[] CELL_WASM = Wat.compile(CELL);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private PluginHost host(PluginHost.Builder b) {
    PluginHost h = b.build();
    toClose.add(h);
    return h;
  }

  private PluginHost host() {
    return host(PluginHost.builder());
  }

  private Plugin cell(PluginHost h) {
    return h.load(CELL_WASM, PluginManifest.of("cell", "1.0.0"));
  }

  private InstancePool pool(InstancePool.Builder b) {
    InstancePool p = b.build();
    toClose.add(p);
    return p;
  }

  private InstancePool.Builder cellPool() {
    PluginHost h = host();
    return InstancePool.builder(cell(h), h.tenant("acme"));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  // --- bounds ------------------------------------------------------------------------------------------------------

  @Test
  void borrow_failsWithPoolExhaustedAfterTheTimeoutWhenEveryInstanceIsLent() {
    InstancePool pool = pool(cellPool().maxSize(2).borrowTimeout(Duration.ofMillis(100)));
    InstancePool.Lease a = pool.borrow();
    InstancePool.Lease b = pool.borrow();
    assertThat(a.instance()).isNotSameAs(b.instance());

    long start = System.nanoTime();
    assertThatThrownBy(pool::borrow)
        .isInstanceOfSatisfying(
            PoolExhaustedException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CALL_POOL_EXHAUSTED);
              assertThat(e.maxSize()).isEqualTo(2);
              assertThat(e.tenantId()).isEqualTo("acme");
              assertThat(e.timeout()).isEqualTo(Duration.ofMillis(100));
              assertThat(e.instanceUsable()).isTrue();
            })
        .hasMessage(
            "[Terrarium/CALL_POOL_EXHAUSTED] plugin 'cell': no instance of the pool for tenant 'acme' became free"
                + " within 100 ms: all 2 instances the pool may hold were in use. Raise the pool's maxSize or"
                + " borrowTimeout, or hold each instance for less time.");
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(pool.stats().waits()).isEqualTo(1);
    assertThat(pool.stats().timeouts()).isEqualTo(1);
    assertThat(pool.stats().inUse()).isEqualTo(2);

    a.close();
    assertThat(pool.call("swap", 7)).hasSize(1);
    b.close();
    assertThat(pool.stats().created()).isLessThanOrEqualTo(3);
  }

  @Test
  void borrow_withZeroTimeoutFailsAtOnce() {
    InstancePool pool = pool(cellPool().maxSize(1).borrowTimeout(Duration.ZERO));
    try (InstancePool.Lease held = pool.borrow()) {
      assertThatThrownBy(pool::borrow).isInstanceOf(PoolExhaustedException.class).hasMessageContaining("within 0 ms");
    }
    assertThat(pool.call("get")).containsExactly(0);
  }

  @Test
  void borrow_waiterGetsTheInstanceReturnedMeanwhile() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(1).resetPolicy(ResetPolicy.REUSE));
    InstancePool.Lease held = pool.borrow();
    PluginInstance first = held.instance();
    CompletableFuture<PluginInstance> waiter =
        CompletableFuture.supplyAsync(
            () -> {
              try (InstancePool.Lease l = pool.borrow()) {
                return l.instance();
              }
            });
    Thread.sleep(50);
    assertThat(waiter).isNotDone();
    held.close();
    assertThat(waiter.get(5, TimeUnit.SECONDS)).isSameAs(first);
    assertThat(pool.stats().waits()).isEqualTo(1);
    assertThat(pool.stats().timeouts()).isZero();
    assertThat(pool.stats().created()).isEqualTo(1);
  }

  @Test
  void maxSize_boundsTheInstancesAliveUnderConcurrentBorrowers() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(3).resetPolicy(ResetPolicy.REUSE));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        done.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    pool.with(
                        instance -> {
                          most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                          instance.call("noop");
                          inside.decrementAndGet();
                          return null;
                        });
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(most.get()).isBetween(1, 3);
    assertThat(pool.stats().created()).isLessThanOrEqualTo(3);
    assertThat(pool.stats().borrows()).isEqualTo(1200);
    assertThat(pool.stats().inUse()).isZero();
  }

  // --- pre-warm and eviction ---------------------------------------------------------------------------------------

  @Test
  void build_createsMinIdleInstancesAndBorrowersUseThem() {
    InstancePool pool = pool(cellPool().maxSize(5).minIdle(3).resetPolicy(ResetPolicy.REUSE));
    assertThat(pool.stats().created()).isEqualTo(3);
    assertThat(pool.stats().idle()).isEqualTo(3);
    try (var a = pool.borrow();
        var b = pool.borrow();
        var c = pool.borrow()) {
      assertThat(pool.stats().created()).as("the pre-warmed ones are lent").isEqualTo(3);
      assertThat(pool.stats().idle()).isZero();
      assertThat(pool.stats().inUse()).isEqualTo(3);
    }
    assertThat(pool.stats().idle()).isEqualTo(3);
  }

  @Test
  void fresh_replacesTheTakenPrewarmedInstancesInTheBackground() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(4).minIdle(2));
    try (var a = pool.borrow()) {
      assertThat(a.instance().call("swap", 5)).containsExactly(0);
      await(() -> pool.stats().idle() == 2, "the pool is back to two idle instances while one is lent");
    }
    await(() -> pool.stats().idle() == 2 && pool.stats().destroyed() == 1, "the returned instance is closed");
    assertThat(pool.stats().created()).isEqualTo(3);
  }

  @Test
  void idleTimeout_closesInstancesIdleTooLongDownToMinIdle() throws Exception {
    InstancePool pool =
        pool(cellPool().maxSize(4).minIdle(1).resetPolicy(ResetPolicy.REUSE).idleTimeout(Duration.ofMillis(100)));
    List<InstancePool.Lease> leases = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      leases.add(pool.borrow());
    }
    long returned = System.nanoTime();
    leases.forEach(InstancePool.Lease::close);
    assertThat(pool.stats().idle()).isEqualTo(4);

    await(() -> pool.stats().idle() == 1, "idle instances are evicted down to minIdle");
    assertThat(System.nanoTime() - returned).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(pool.stats().evicted()).isEqualTo(3);
    assertThat(pool.stats().destroyed()).isEqualTo(3);
    Thread.sleep(300);
    assertThat(pool.stats().idle()).as("never below minIdle").isEqualTo(1);
    assertThat(pool.call("swap", 1)).hasSize(1);
  }

  @Test
  void idleTimeout_keepsInstancesInUse() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(2).resetPolicy(ResetPolicy.REUSE).idleTimeout(Duration.ofMillis(200)));
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
    pool.call("swap", 42);
    while (System.nanoTime() < end) {
      pool.call("noop");
      Thread.sleep(20);
    }
    assertThat(pool.stats().evicted()).isZero();
    assertThat(pool.call("swap", 0)).as("the same instance all along").containsExactly(42);
  }

  // --- reset policies ----------------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void fresh_neverShowsOneCallersMemoryToTheNext(int minIdle) {
    InstancePool pool = pool(cellPool().maxSize(2).minIdle(minIdle));
    assertThat(pool.resetPolicy()).as("the default").isEqualTo(ResetPolicy.FRESH);
    for (int caller = 1; caller <= 50; caller++) {
      assertThat(pool.call("swap", caller)).as("caller %s sees the initial value", caller).containsExactly(0);
    }
    try (var a = pool.borrow()) {
      assertThat(a.instance().call("swap", 99)).containsExactly(0);
      assertThat(a.instance().call("swap", 100)).as("within one lease the instance is the same").containsExactly(99);
    }
    assertThat(pool.stats().destroyed()).isEqualTo(51);
  }

  @Test
  void reuse_keepsStateAcrossBorrows() {
    InstancePool pool = pool(cellPool().maxSize(1).resetPolicy(ResetPolicy.REUSE));
    assertThat(pool.call("swap", 1)).containsExactly(0);
    assertThat(pool.call("swap", 2)).containsExactly(1);
    long previous = pool.with(i -> i.call("swap", 3)[0]);
    assertThat(previous).isEqualTo(2);
    assertThat(pool.stats().created()).isEqualTo(1);
    assertThat(pool.stats().destroyed()).isZero();
  }

  @Test
  void discard_closesTheInstanceEvenUnderReuse() {
    InstancePool pool = pool(cellPool().maxSize(1).resetPolicy(ResetPolicy.REUSE));
    InstancePool.Lease lease = pool.borrow();
    PluginInstance instance = lease.instance();
    instance.call("swap", 5);
    lease.discard();
    lease.close();
    assertThat(instance.usable()).isFalse();
    assertThat(pool.call("swap", 6)).containsExactly(0);
    assertThat(pool.stats().destroyed()).isEqualTo(1);
    assertThat(pool.stats().brokenReplaced()).isZero();
  }

  // --- broken instances --------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(ResetPolicy.class)
  void trap_dropsTheInstanceAndThePoolKeepsServing(ResetPolicy policy) {
    InstancePool pool = pool(cellPool().maxSize(1).resetPolicy(policy));
    pool.call("swap", 7);
    assertThatThrownBy(() -> pool.call("trap")).isInstanceOf(GuestTrapException.class);
    assertThat(pool.stats().brokenReplaced()).isEqualTo(1);
    assertThat(pool.call("swap", 8)).containsExactly(0);
    assertThat(pool.stats().inUse()).isZero();
  }

  @Test
  void fuelExhaustion_dropsTheInstanceAndThePoolKeepsServing() {
    PluginHost h =
        host(
            PluginHost.builder()
                .meterFuel()
                .limits(PluginHost.DEFAULT_LIMITS.narrowedBy(PluginLimits.builder().maxFuelPerCall(200_000).build())));
    Tenant acme = h.tenant("acme", FuelPolicy.unlimited());
    InstancePool pool =
        pool(InstancePool.builder(cell(h), acme).maxSize(2).minIdle(1).resetPolicy(ResetPolicy.REUSE));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> pool.call("spin"))
          .isInstanceOfSatisfying(
              FuelExhaustedException.class, e -> assertThat(e.reason()).isEqualTo(FuelExhaustedException.Reason.PER_CALL_CAP));
      // REUSE: the call may land on a fresh instance (0) or on the one an earlier iteration left holding 1
      assertThat(pool.call("swap", 1)).hasSize(1).satisfies(r -> assertThat(r[0]).isIn(0L, 1L));
    }
    assertThat(pool.stats().brokenReplaced()).isEqualTo(3);
    assertThat(pool.stats().inUse()).isZero();
  }

  @Test
  void timeout_dropsTheInstanceAndThePoolKeepsServing() {
    PluginHost h =
        host(
            PluginHost.builder()
                .limits(
                    PluginHost.DEFAULT_LIMITS.narrowedBy(
                        PluginLimits.builder().callTimeout(Duration.ofMillis(50)).build())));
    InstancePool pool = pool(InstancePool.builder(cell(h), h.tenant("acme")).maxSize(1).resetPolicy(ResetPolicy.REUSE));
    pool.call("swap", 3);
    assertThatThrownBy(() -> pool.call("spin")).isInstanceOf(CallTimeoutException.class);
    assertThat(pool.call("swap", 4)).containsExactly(0);
    assertThat(pool.stats().brokenReplaced()).isEqualTo(1);
    assertThat(pool.stats().created()).isEqualTo(2);
  }

  @Test
  void instanceClosedByItsBorrower_isReplaced() {
    InstancePool pool = pool(cellPool().maxSize(1).resetPolicy(ResetPolicy.REUSE));
    pool.with(
        i -> {
          i.close();
          return null;
        });
    assertThat(pool.call("swap", 1)).containsExactly(0);
    assertThat(pool.stats().brokenReplaced()).isEqualTo(1);
  }

  @Test
  void failedInstantiation_reachesTheBorrowerAndFreesItsRoom() {
    PluginHost h = host();
    Plugin starter = h.load(SamplePlugins.bytes("fixtures/start-trap.wasm"), PluginManifest.of("starter", "1.0.0"));
    InstancePool pool = pool(InstancePool.builder(starter, h.tenant("acme")).maxSize(1));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(pool::borrow)
          .isInstanceOfSatisfying(
              PluginInstantiationException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INSTANTIATE_FAILED));
    }
    assertThat(pool.stats().failedCreations()).isEqualTo(3);
    assertThat(pool.stats().inUse()).isZero();
    assertThat(pool.stats().timeouts()).as("the failures never fill the pool").isZero();

    assertThatThrownBy(() -> InstancePool.builder(starter, h.tenant("acme")).minIdle(1).build())
        .isInstanceOf(PluginInstantiationException.class);
    InstancePool good = pool(InstancePool.builder(cell(h), h.tenant("acme")));
    assertThat(good.call("swap", 1)).containsExactly(0);
  }

  // --- concurrency -------------------------------------------------------------------------------------------------

  /**
   * 8 threads × 100 000 borrows on a REUSE pool: every borrower writes its token and reads back only its own, and
   * the instances that one borrow in a thousand breaks (a trap) are replaced.
   */
  @Test
  void reuse_eightThreadsNeverSeeAnotherCallersToken_andBrokenInstancesAreReplaced() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(4).resetPolicy(ResetPolicy.REUSE));
    assertThat(hammer(pool, 8, 100_000, false, 1_000)).isZero();
    assertThat(pool.stats().borrows()).isEqualTo(800_000);
    assertThat(pool.stats().brokenReplaced()).isEqualTo(800);
    assertThat(pool.stats().created()).isLessThanOrEqualTo(4 + 800);
    assertThat(pool.stats().inUse()).isZero();
    // broken instances are replaced when next needed: whatever survived the last borrows is idle
    assertThat((long) pool.stats().idle()).isEqualTo(pool.stats().created() - pool.stats().destroyed());
  }

  /**
   * 8 threads × 100 000 borrows on a pool with the default policy (each borrow gets a new instance): every
   * borrower sees an unused cell, never another caller's token, and broken instances are dropped.
   */
  @Test
  void fresh_eightThreadsEachSeeAnUnusedInstance_andBrokenInstancesAreDropped() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(4).minIdle(2));
    assertThat(hammer(pool, 8, 100_000, true, 1_000)).isZero();
    assertThat(pool.stats().borrows()).isEqualTo(800_000);
    assertThat(pool.stats().brokenReplaced()).isEqualTo(800);
    assertThat(pool.stats().destroyed()).isGreaterThanOrEqualTo(800_000);
    assertThat(pool.stats().inUse()).isZero();
  }

  /**
   * Returns how many borrows saw a token not their own (or, when {@code fresh}, a cell not in its initial state).
   * Every {@code trapEvery}-th borrow of each thread ends with a trap, which breaks its instance.
   */
  private static long hammer(InstancePool pool, int threads, int calls, boolean fresh, int trapEvery)
      throws Exception {
    AtomicLong wrong = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long thread = t;
        done.add(
            executor.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < calls; i++) {
                    long token = (thread << 32) | (i + 1);
                    boolean breakIt = (i + 1) % trapEvery == 0;
                    long seen =
                        pool.with(
                            instance -> {
                              if (fresh && instance.call("get")[0] != 0) {
                                return -1L;
                              }
                              instance.call("set", token);
                              long got = instance.call("get")[0];
                              if (breakIt) {
                                try {
                                  instance.call("trap");
                                  return -2L;
                                } catch (GuestTrapException expected) {
                                  // the instance is broken now: the pool must not lend it again
                                }
                              }
                              return got;
                            });
                    if (seen != token) {
                      wrong.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      executor.shutdownNow();
    }
    return wrong.get();
  }

  // --- per-instance options ----------------------------------------------------------------------------------------

  @Test
  void instanceOptions_areAskedOncePerInstance() {
    AtomicInteger asked = new AtomicInteger();
    InstancePool pool =
        pool(
            cellPool()
                .maxSize(2)
                .resetPolicy(ResetPolicy.REUSE)
                .instanceOptions(
                    () -> {
                      asked.incrementAndGet();
                      return InstanceOptions.defaults();
                    }));
    try (var a = pool.borrow();
        var b = pool.borrow()) {
      assertThat(asked.get()).isEqualTo(2);
    }
    pool.call("noop");
    assertThat(asked.get()).isEqualTo(2);
  }

  @Test
  void instanceOptions_supplierReturningNull_failsTheBorrowClearly() {
    InstancePool pool = pool(cellPool().maxSize(1).instanceOptions(() -> null));
    assertThatThrownBy(pool::borrow)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("instanceOptions supplier returned null");
    assertThat(pool.stats().failedCreations()).isEqualTo(1);
    assertThat(pool.stats().inUse()).isZero();
  }

  // --- close -------------------------------------------------------------------------------------------------------

  @Test
  void close_closesIdleInstancesRefusesBorrowsAndClosesLentOnesWhenReturned() {
    InstancePool pool = pool(cellPool().maxSize(3).minIdle(2).resetPolicy(ResetPolicy.REUSE));
    List<PluginInstance> idle = new ArrayList<>();
    try (var a = pool.borrow();
        var b = pool.borrow()) {
      idle.add(a.instance());
      idle.add(b.instance());
    }
    InstancePool.Lease lent = pool.borrow();
    PluginInstance lentInstance = lent.instance();

    pool.close();

    assertThat(pool.closed()).isTrue();
    assertThat(idle.stream().filter(PluginInstance::usable).count()).as("the idle one is closed").isEqualTo(1);
    assertThat(lentInstance.usable()).as("the lent one works until returned").isTrue();
    assertThat(lentInstance.call("swap", 1)).containsExactly(0);
    assertThatThrownBy(pool::borrow)
        .isInstanceOfSatisfying(PoolClosedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_POOL_CLOSED))
        .hasMessage(
            "[Terrarium/CALL_POOL_CLOSED] plugin 'cell': the instance pool for tenant 'acme' is closed and lends no"
                + " more instances. Build a new pool.");
    assertThatThrownBy(() -> pool.call("noop")).isInstanceOf(PoolClosedException.class);

    lent.close();
    assertThat(lentInstance.usable()).isFalse();
    assertThat(pool.stats().idle()).isZero();
    assertThat(pool.stats().destroyed()).isEqualTo(2);
    pool.close(); // idempotent
  }

  @Test
  void close_wakesWaitingBorrowersWithPoolClosed() throws Exception {
    InstancePool pool = pool(cellPool().maxSize(1).borrowTimeout(Duration.ofSeconds(30)));
    InstancePool.Lease held = pool.borrow();
    CompletableFuture<Object> waiter = CompletableFuture.supplyAsync(() -> pool.call("noop"));
    Thread.sleep(50);
    long start = System.nanoTime();
    pool.close();
    assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(PoolClosedException.class);
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
    held.close();
  }

  @Test
  void lease_refusesItsInstanceAfterItIsClosed() {
    InstancePool pool = pool(cellPool().maxSize(1));
    InstancePool.Lease lease = pool.borrow();
    lease.close();
    lease.close();
    assertThatThrownBy(lease::instance)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was closed and its instance returned");
    assertThat(pool.stats().borrows()).isEqualTo(1);
    assertThat(pool.stats().inUse()).isZero();
    assertThat(pool.call("swap", 1)).containsExactly(0);
  }

  // --- bad input ---------------------------------------------------------------------------------------------------

  @Test
  void builder_refusesBadValuesNamingThem() {
    PluginHost h = host();
    Plugin p = cell(h);
    Tenant t = h.tenant("acme");
    assertThatThrownBy(() -> InstancePool.builder(null, t))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("plugin must not be null");
    assertThatThrownBy(() -> InstancePool.builder(p, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tenant must not be null");
    InstancePool.Builder b = InstancePool.builder(p, t);
    assertThatThrownBy(() -> b.maxSize(0)).isInstanceOf(IllegalArgumentException.class).hasMessage("maxSize must be at least 1, was 0");
    assertThatThrownBy(() -> b.maxSize(-3)).isInstanceOf(IllegalArgumentException.class).hasMessage("maxSize must be at least 1, was -3");
    assertThatThrownBy(() -> b.minIdle(-1)).isInstanceOf(IllegalArgumentException.class).hasMessage("minIdle must not be negative, was -1");
    assertThatThrownBy(() -> b.borrowTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("borrowTimeout must not be negative, was PT-0.001S");
    assertThatThrownBy(() -> b.borrowTimeout(null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("borrowTimeout must not be null");
    assertThatThrownBy(() -> b.idleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> b.idleTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout must be positive, was PT-1S");
    assertThatThrownBy(() -> b.idleTimeout(null)).isInstanceOf(IllegalArgumentException.class).hasMessage("idleTimeout must not be null");
    assertThatThrownBy(() -> b.resetPolicy(null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("resetPolicy must not be null");
    assertThatThrownBy(() -> b.instanceOptions(null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("instanceOptions must not be null");
    assertThatThrownBy(() -> InstancePool.builder(p, t).maxSize(2).minIdle(3).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minIdle (3) must not be above maxSize (2)");

    InstancePool pool = pool(b);
    assertThat(pool.call("swap", 1)).as("the builder still builds a working pool").containsExactly(0);
  }

  @Test
  void pool_refusesNullArgumentsNamingThemAndKeepsServing() {
    InstancePool pool = pool(cellPool().maxSize(1).resetPolicy(ResetPolicy.REUSE));
    assertThatThrownBy(() -> pool.call(null)).isInstanceOf(IllegalArgumentException.class).hasMessage("export name must not be null");
    assertThatThrownBy(() -> pool.call("swap", (long[]) null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("args must not be null");
    assertThatThrownBy(() -> pool.with(null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("function must not be null");
    assertThatThrownBy(() -> pool.exports(null)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("type must not be null");
    assertThatThrownBy(() -> pool.exports(Runnable.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("java.lang.Runnable is not an interface annotated @PluginExports; a pool can only proxy one");
    assertThat(pool.stats().borrows()).as("no bad call borrowed").isZero();
    assertThat(pool.call("swap", 1)).containsExactly(0);
  }

  @Test
  void tenantOfAnotherHost_isRefusedAtTheFirstInstance() {
    PluginHost h = host();
    PluginHost other = host();
    InstancePool pool = pool(InstancePool.builder(cell(h), other.tenant("acme")).maxSize(1));
    assertThatThrownBy(pool::borrow)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belongs to another PluginHost");
    assertThat(pool.stats().inUse()).isZero();
    assertThat(pool(InstancePool.builder(cell(h), h.tenant("acme"))).call("swap", 2)).containsExactly(0);
  }
}
