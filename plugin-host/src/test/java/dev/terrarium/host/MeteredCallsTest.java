package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Fuel metering wired into calls: tenants are charged exactly what their calls used. */
class MeteredCallsTest {
  /** A bucket that never refills within a test. */
  private static FuelPolicy budget(long units) {
    return FuelPolicy.builder().capacity(units).refill(1, Duration.ofDays(365)).build();
  }

  private PluginHost host;

  private PluginHost host(ExecutionMode mode) {
    host = Fixtures.host(mode).meterFuel().build();
    return host;
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void infiniteLoopIsStoppedByFuelWithoutAWatchdog(ExecutionMode mode) {
    PluginHost h = host(mode);
    Tenant small = h.tenant("small", budget(3_000_000));
    Plugin loop = h.load(fixture("loop"), manifest("loop"));
    assertThat(loop.limits().callTimeout()).isNull();
    try (PluginInstance i = loop.instantiate(small, InstanceOptions.defaults())) {
      assertThatThrownBy(() -> i.call("spin"))
          .isInstanceOfSatisfying(
              FuelExhaustedException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.CALL_FUEL_EXHAUSTED);
                assertThat(e.tenantId()).isEqualTo("small");
              });
      assertThat(i.usable()).isFalse();
    }
    assertThat(small.balance()).isLessThanOrEqualTo(0);
    assertThat(small.used()).isGreaterThanOrEqualTo(3_000_000 - 1);
    Tenant other = h.tenant("other", budget(1_000_000));
    long used;
    try (PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate(other, InstanceOptions.defaults())) {
      assertThat(i.call("add", 2, 3)).containsExactly(5);
      used = i.lastCallFuel();
      assertThat(used).isPositive();
      assertThat(other.used()).isEqualTo(used);
      // The instance keeps what its call left of its slice for the next call: spent until it closes.
      assertThat(other.balance()).isLessThanOrEqualTo(1_000_000 - used);
    }
    assertThat(other.balance()).as("closing returns the lease").isEqualTo(1_000_000 - used);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void largeFunctionsAreSplitOnlyWhereTheyWillBeCompiled(ExecutionMode mode) {
    // An interpreting host never compiles: splitting (FunctionSplitter) would only cost it load time, and its cache
    // key says the module is not split.
    PluginHost h = host(mode);
    String metering = h.cacheKey(PluginHost.sha256(fixture("add"))).metering();
    assertThat(metering.endsWith(",unsplit")).as(metering).isEqualTo(mode == ExecutionMode.INTERPRETER);
  }

  private static final String HUGE_GROW =
      "(module (memory 1) (func (export \"grow\") (result i32) (memory.grow (i32.const -1)))"
          + " (func (export \"fill\") (memory.fill (i32.const 0) (i32.const 0) (i32.const -1))))";

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aCostlyInstructionTheTenantCannotPayFor_isNotChargedForWorkThatNeverRan(ExecutionMode mode) {
    // memory.grow of 2^32-1 pages costs 4.4e12 units before it runs. A tenant with 10 million is stopped, and
    // charged what it drew, not the price of a grow that never happened (which left it trillions in debt).
    PluginHost h = host(mode);
    Tenant poor = h.tenant("poor", budget(10_000_000));
    Plugin plugin = h.load(Wat.compile(HUGE_GROW), manifest("huge-grow"));
    for (String export : List.of("grow", "fill")) {
      try (PluginInstance i = plugin.instantiate(poor, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.call(export)).isInstanceOf(FuelExhaustedException.class);
        // What it drew, plus at most one slice of overrun.
        assertThat(i.lastCallFuel()).as(export).isBetween(1L, 10_000_000L + h.fuelSlice());
      }
      assertThat(poor.balance()).as("at most one slice of debt after %s", export).isGreaterThanOrEqualTo(-h.fuelSlice());
    }
    assertThat(poor.used()).isLessThanOrEqualTo(10_000_000L + 2 * h.fuelSlice());
    Tenant other = h.tenant("other", budget(1_000_000));
    try (PluginInstance i = h.load(fixture("add"), manifest("add")).instantiate(other, InstanceOptions.defaults())) {
      assertThat(i.call("add", 2, 3)).as("the host and other tenants are unharmed").containsExactly(5);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aCostlyInstructionATenantCanPayFor_drawsItsPriceAtOnce(ExecutionMode mode) {
    PluginHost h = host(mode);
    Tenant rich = h.tenant("rich", FuelPolicy.unlimited());
    try (PluginInstance i = h.load(Wat.compile(HUGE_GROW), manifest("huge-grow")).instantiate(rich, InstanceOptions.defaults())) {
      long started = System.nanoTime();
      assertThat(i.call("grow")).containsExactly(-1); // paid for, then refused by the memory limit
      // One exchange for 4.4e12 units, not 4.4 million one-slice exchanges (which took seconds).
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(i.lastCallFuel()).isGreaterThanOrEqualTo(0xFFFFFFFFL * 1024);
      assertThat(i.call("grow")).containsExactly(-1);
    }
  }

  @Test
  void theSliceSize_boundsWhatAnOpenInstanceHolds() {
    try (PluginHost small = Fixtures.host(ExecutionMode.COMPILER).meterFuel().fuelSlice(1_000).build()) {
      assertThat(small.fuelSlice()).isEqualTo(1_000);
      Tenant t = small.tenant("t", budget(1_000_000));
      long used;
      try (PluginInstance i = small.load(fixture("add"), manifest("add")).instantiate(t, InstanceOptions.defaults())) {
        assertThat(i.call("add", 2, 3)).containsExactly(5);
        used = i.lastCallFuel();
        // The instance drew one slice of 1 000 and keeps the rest: with the default slice it would hold a million.
        assertThat(t.balance()).isBetween(1_000_000 - used - 1_000, 1_000_000 - used - 1);
      }
      assertThat(t.balance()).isEqualTo(1_000_000 - used);
    }
  }

  /**
   * Short calls draw their fuel before they enter the guest: an instance whose lease falls below half a slice is
   * topped up at the start of its next call, so a call using less than that never refuels from inside guest code
   * (where the refuel is a host call, often in a loop). A call that needs more than a slice still refuels in the
   * guest, and each is charged exactly.
   */
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void shortCallsDrawTheirFuelBeforeEnteringTheGuest(ExecutionMode mode) {
    var real = new dev.terrarium.host.quota.InMemoryFuelLedger();
    int[] draws = new int[2]; // [0]: before a call, [1]: from inside the guest
    dev.terrarium.host.quota.FuelLedger counting =
        new dev.terrarium.host.quota.FuelLedger() {
          @Override
          public long exchange(String tenantId, FuelPolicy policy, long credit, long wanted) {
            if (wanted > 0) {
              boolean inGuest =
                  StackWalker.getInstance()
                      .walk(f -> f.anyMatch(x -> x.getMethodName().equals("refuel")
                          && x.getClassName().endsWith("quota.FuelMeter")));
              draws[inGuest ? 1 : 0]++;
            }
            return real.exchange(tenantId, policy, credit, wanted);
          }

          @Override
          public long balance(String tenantId, FuelPolicy policy) {
            return real.balance(tenantId, policy);
          }
        };
    host = Fixtures.host(mode).meterFuel().fuelLedger(counting).fuelSlice(20_000).build();
    Tenant t = host.tenant("t", budget(100_000_000));
    long total = 0;
    try (PluginInstance i =
        host.load(Fixtures.bytes("kernels.wasm")).instantiate(t, InstanceOptions.defaults())) {
      for (int n = 0; n < 200; n++) {
        assertThat(i.call("sieve", 100)).containsExactly(25);
        total += i.lastCallFuel();
      }
      assertThat(i.lastCallFuel()).as("a short call").isLessThan(10_000);
      assertThat(draws[1]).as("refuels from inside the guest").isZero();
      assertThat(draws[0]).as("draws before a call").isBetween((int) (total / 20_000), (int) (total / 10_000) + 1);

      assertThat(i.call("sieve", 50_000)).containsExactly(5_133);
      assertThat(i.lastCallFuel()).as("a long call").isGreaterThan(3 * 20_000);
      total += i.lastCallFuel();
      assertThat(draws[1]).as("refuels from inside the guest").isPositive();
    }
    assertThat(t.used()).isEqualTo(total);
    assertThat(t.balance()).as("closing returned the lease").isEqualTo(100_000_000 - total);
  }

  @Test
  void manifestFuelCapsStopACallAndTheLowestCapWins() {
    PluginHost h = host(ExecutionMode.COMPILER);
    Tenant t = h.tenant("t", budget(100_000_000));
    PluginManifest capped =
        manifest("loop").withLimits(PluginLimits.builder().maxFuelPerCall(50_000).build());
    Plugin loop = h.load(fixture("loop"), capped);
    assertThat(loop.limits().maxFuelPerCall()).isEqualTo(50_000);
    try (PluginInstance i = loop.instantiate(t, InstanceOptions.defaults())) {
      assertThatThrownBy(() -> i.call("spin")).isInstanceOf(FuelExhaustedException.class);
    }
    assertThat(t.used()).as("the call stopped at the manifest's cap (plus the last segment's overrun)").isBetween(49_000L, 50_100L);
    assertThat(t.balance()).isGreaterThan(99_000_000L);

    // A tenant whose own per-call cap is lower wins over the manifest's.
    Tenant tight = h.tenant("tight", budget(100_000_000).withPerCallCap(10_000L));
    try (PluginInstance i = loop.instantiate(tight, InstanceOptions.defaults())) {
      assertThatThrownBy(() -> i.call("spin")).isInstanceOf(FuelExhaustedException.class);
    }
    assertThat(tight.used()).isBetween(9_000L, 10_100L);

    // Per instance: an add costs more than the 3 units the manifest allows the whole instance.
    PluginManifest perInstance =
        manifest("add").withLimits(PluginLimits.builder().maxFuelPerInstance(3).build());
    try (PluginInstance i = h.load(fixture("add"), perInstance).instantiate(t, InstanceOptions.defaults())) {
      assertThatThrownBy(() -> i.call("add", 1, 2)).isInstanceOf(FuelExhaustedException.class);
    }
    assertThatThrownBy(() -> PluginLimits.builder().maxFuelPerCall(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxFuelPerCall must be at least 1, was 0");
    try (PluginHost plain = PluginHost.builder().build()) {
      Fixtures.assertHealthy(plain);
    }
  }

  @Test
  void hostsSharingALedgerShareEachTenantsBucket() {
    var shared = new dev.terrarium.host.quota.InMemoryFuelLedger();
    try (PluginHost a = Fixtures.host(ExecutionMode.COMPILER).meterFuel().fuelLedger(shared).build();
        PluginHost b = Fixtures.host(ExecutionMode.COMPILER).meterFuel().fuelLedger(shared).build()) {
      Tenant onA = a.tenant("acme", budget(2_000_000));
      Tenant onB = b.tenant("acme", budget(2_000_000));
      try (PluginInstance i = a.load(fixture("loop"), manifest("loop")).instantiate(onA, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.call("spin")).isInstanceOf(FuelExhaustedException.class);
      }
      assertThat(onB.balance()).as("host B sees what host A spent").isLessThanOrEqualTo(0);
      try (PluginInstance i = b.load(fixture("add"), manifest("add")).instantiate(onB, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.call("add", 1, 2)).isInstanceOf(FuelExhaustedException.class);
      }
      Tenant other = b.tenant("globex", budget(1_000));
      try (PluginInstance i = b.load(fixture("add"), manifest("add")).instantiate(other, InstanceOptions.defaults())) {
        assertThat(i.call("add", 1, 2)).containsExactly(3);
      }
    }
    assertThatThrownBy(() -> PluginHost.builder().fuelLedger(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void fuelIsPublishedToMicrometerPerTenantAndPlugin() {
    var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    try (PluginHost h = Fixtures.host(ExecutionMode.COMPILER).meterFuel().meterRegistry(registry).build()) {
      Tenant acme = h.tenant("acme", budget(1_000_000));
      Tenant small = h.tenant("small", budget(5_000));
      Plugin add = h.load(fixture("add"), manifest("add"));
      long charged = 0;
      try (PluginInstance i = add.instantiate(acme, InstanceOptions.defaults())) {
        i.call("add", 1, 2);
        charged += i.lastCallFuel();
        i.call("add", 3, 4);
        charged += i.lastCallFuel();
      }
      try (PluginInstance i = h.load(fixture("loop"), manifest("loop")).instantiate(small, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.call("spin")).isInstanceOf(FuelExhaustedException.class);
      }
      var used = registry.get("terrarium.fuel.used").tags("tenant", "acme", "plugin", "add").summary();
      assertThat(used.count()).isEqualTo(2);
      assertThat((long) used.totalAmount()).isEqualTo(charged).isEqualTo(acme.used());
      assertThat(registry.get("terrarium.fuel.exhausted").tags("tenant", "small", "plugin", "loop").counter().count())
          .isEqualTo(1.0);
      assertThat(registry.get("terrarium.fuel.exhausted").tags("tenant", "acme", "plugin", "add").counter().count())
          .isZero();
      assertThat(registry.get("terrarium.tenant.fuel.balance").tag("tenant", "acme").gauge().value())
          .isEqualTo((double) acme.balance());
      assertThat(registry.get("terrarium.tenant.fuel.used").tag("tenant", "small").functionCounter().count())
          .isEqualTo((double) small.used())
          .isGreaterThanOrEqualTo(4_999.0);
    }
    assertThatThrownBy(() -> PluginHost.builder().meterRegistry(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void fuelIsDeterministicAcrossCallsAndEngines() {
    long[] used = new long[2];
    for (ExecutionMode mode : ExecutionMode.values()) {
      try (PluginHost h = Fixtures.host(mode).meterFuel().build()) {
        Tenant t = h.tenant("t", budget(10_000_000));
        try (PluginInstance i =
            h.load(fixture("recursion"), manifest("r")).instantiate(t, InstanceOptions.defaults())) {
          i.call("noop");
          long first = i.lastCallFuel();
          i.call("noop");
          assertThat(i.lastCallFuel()).isEqualTo(first);
          used[mode.ordinal()] = first;
        }
      }
    }
    assertThat(used[0]).isEqualTo(used[1]);
  }

  /**
   * Every slice size charges a call the same: a slice so small that the guest refuels every few charges, also
   * between code paid in advance and the refund of what did not run (a loop's header, refunded at its exit), and
   * inside counted loops' chunks, charges what a slice of a million does. The typed echo and the kernels, each
   * engine.
   */
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void theFuelOfACallDoesNotDependOnTheSliceSize(ExecutionMode mode) {
    String text = "slice ".repeat(200);
    List<Long> fuel = new ArrayList<>();
    for (long slice : new long[] {1_000_000, 37}) {
      List<Long> used = new ArrayList<>();
      try (PluginHost h =
          PluginHost.builder()
              .executionMode(mode)
              .hostImports(
                  dev.terrarium.samples.abi.KeyValueStore.class, new TypedBindingsTest.MemoryStore())
              .meterFuel()
              .fuelSlice(slice)
              .build()) {
        Tenant t = h.tenant("t", budget(1_000_000_000));
        for (String plugin : List.of("greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm")) {
          try (PluginInstance i = h.load(Fixtures.bytes(plugin)).instantiate(t, InstanceOptions.defaults())) {
            var greeter = i.exports(dev.terrarium.samples.abi.Greeter.class);
            long before = t.used();
            assertThat(greeter.echo(text)).isEqualTo(text);
            used.add(t.used() - before);
          }
        }
        try (PluginInstance i =
            h.load(Fixtures.bytes("kernels.wasm")).instantiate(t, InstanceOptions.defaults())) {
          assertThat(i.call("sieve", 5_000)).containsExactly(669);
          used.add(i.lastCallFuel());
          i.call("matmul", 9);
          used.add(i.lastCallFuel());
          i.call("quicksort", 2_000);
          used.add(i.lastCallFuel());
        }
        assertThat(t.balance()).isEqualTo(1_000_000_000 - t.used());
      }
      if (fuel.isEmpty()) {
        fuel.addAll(used);
      } else {
        assertThat(used).as("fuel with a slice of %d", slice).isEqualTo(fuel);
      }
    }
    assertThat(fuel).allSatisfy(f -> assertThat(f).isPositive());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void typedBindingsWorkOnMeteredPluginsAndEveryCallIsCharged(ExecutionMode mode) {
    var store = new TypedBindingsTest.MemoryStore();
    host =
        PluginHost.builder()
            .executionMode(mode)
            .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, store)
            .meterFuel()
            .build();
    Tenant t = host.tenant("typed", budget(50_000_000));
    for (String plugin : List.of("greeter-c.wasm", "greeter-rust.wasm")) {
      try (PluginInstance i =
          host.load(Fixtures.bytes(plugin)).instantiate(t, InstanceOptions.defaults())) {
        var greeter = i.exports(dev.terrarium.samples.abi.Greeter.class);
        assertThat(greeter.greet("Ana")).isEqualTo("Hello, Ana!");
        assertThat(greeter.count(2, 5)).isEqualTo(store.counter.get());
      }
    }
    assertThat(t.used()).isPositive();
    assertThat(t.balance()).isEqualTo(50_000_000 - t.used());
  }

  /** A metering host for the greeters (their key-value host imports served in memory). */
  private static PluginHost typedHost(ExecutionMode mode) {
    return PluginHost.builder()
        .executionMode(mode)
        .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, new TypedBindingsTest.MemoryStore())
        .meterFuel()
        .build();
  }

  /**
   * A typed call is charged as one call: the export and the {@code alloc} and {@code dealloc} calls of its binding,
   * settled once, for exactly what the tenant paid; also when the host refuses what the guest returned (an ABI
   * violation after the export returned), and for a typed call without values in memory.
   */
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aTypedCallIsChargedAsOneCall(ExecutionMode mode) {
    host = typedHost(mode);
    Tenant t = host.tenant("typed", budget(50_000_000));
    for (String plugin : List.of("greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm")) {
      try (PluginInstance i = host.load(Fixtures.bytes(plugin)).instantiate(t, InstanceOptions.defaults())) {
        var greeter = i.exports(dev.terrarium.samples.abi.Greeter.class);
        long before = t.used();
        assertThat(greeter.echo("one call")).isEqualTo("one call");
        long echo = i.lastCallFuel();
        assertThat(echo).as(plugin + ": the typed echo, alloc and dealloc included").isEqualTo(t.used() - before);
        before = t.used();
        greeter.noop();
        assertThat(i.lastCallFuel()).as(plugin + ": noop").isPositive().isEqualTo(t.used() - before);
        assertThat(echo).as(plugin + ": the echo allocates, copies and frees").isGreaterThan(i.lastCallFuel() * 10);
      }
    }
    Plugin hostile =
        host.load(dev.terrarium.samples.SamplePlugins.bytes("fixtures/hostile-exports.wasm"), manifest("hostile"));
    try (PluginInstance i = hostile.instantiate(t, InstanceOptions.defaults())) {
      long before = t.used();
      assertThatThrownBy(() -> i.exports(dev.terrarium.samples.abi.Hostile.class).badPointer())
          .isInstanceOf(dev.terrarium.api.AbiViolationException.class);
      assertThat(i.lastCallFuel()).isPositive().isEqualTo(t.used() - before);
    }
    assertThat(t.balance()).isEqualTo(50_000_000 - t.used());
  }

  /**
   * A typed call that runs out of fuel part way (in its export or in the allocator) fails with the fuel error, its
   * tenant pays what it ran, once, and the host and another tenant are unharmed.
   */
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aTypedCallThatRunsOutOfFuel_isChargedOnce_andHarmsNoOne(ExecutionMode mode) {
    host = typedHost(mode);
    Tenant poor = host.tenant("poor", budget(20_000));
    Tenant other = host.tenant("other", budget(50_000_000));
    Plugin greeter = host.load(Fixtures.bytes("greeter-c.wasm"));
    String big = "x".repeat(200_000);
    try (PluginInstance i = greeter.instantiate(poor, InstanceOptions.defaults())) {
      var g = i.exports(dev.terrarium.samples.abi.Greeter.class);
      assertThatThrownBy(() -> g.echo(big))
          .isInstanceOfSatisfying(
              FuelExhaustedException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_FUEL_EXHAUSTED))
          .hasMessageContaining("tenant 'poor' ran out of fuel");
      assertThat(i.lastCallFuel()).as("charged once, for what it ran").isEqualTo(poor.used());
      // At most an overrun past the budget: the untested charges before the stopping test, and the segment it paid.
      assertThat(poor.used())
          .isGreaterThanOrEqualTo(20_000)
          .isLessThan(20_000 + dev.terrarium.host.metering.FuelRewriter.DEFERRED_MAX + 10_000);
    }
    try (PluginInstance j = greeter.instantiate(other, InstanceOptions.defaults())) {
      assertThat(j.exports(dev.terrarium.samples.abi.Greeter.class).echo("still here")).isEqualTo("still here");
      assertThat(j.lastCallFuel()).isPositive().isEqualTo(other.used());
    }
  }

  @Test
  void manyThreadsChargingOneTenantLoseNothing() throws Exception {
    PluginHost h = host(ExecutionMode.COMPILER);
    Tenant shared = h.tenant("shared", budget(Long.MAX_VALUE / 4));
    Plugin add = h.load(fixture("add"), manifest("add"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        futures.add(
            pool.submit(
                () -> {
                  long sum = 0;
                  try (PluginInstance i = add.instantiate(shared, InstanceOptions.defaults())) {
                    for (int n = 0; n < 2_000; n++) {
                      i.call("add", n, 1);
                      sum += i.lastCallFuel();
                    }
                  }
                  return sum;
                }));
      }
      long total = 0;
      for (Future<Long> f : futures) {
        total += f.get();
      }
      assertThat(shared.used()).isEqualTo(total);
      assertThat(shared.balance()).isEqualTo(Long.MAX_VALUE / 4 - total);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void instantiatingWithoutATenantOnAMeteringHostIsAClearError() {
    PluginHost h = host(ExecutionMode.COMPILER);
    Plugin add = h.load(fixture("add"), manifest("add"));
    assertThatThrownBy(add::instantiate)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("this host meters fuel: instantiate plugin 'add' for a tenant");
    try (PluginHost plain = PluginHost.builder().build()) {
      Tenant stranger = h.tenant("x", budget(10));
      Plugin p = plain.load(fixture("add"), manifest("add"));
      assertThatThrownBy(() -> p.instantiate(stranger, InstanceOptions.defaults()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Tenant[x] belongs to another PluginHost");
      // A tenant of the plain host owns a file system but is charged no fuel.
      try (PluginInstance i = p.instantiate(plain.tenant("x"), InstanceOptions.defaults())) {
        assertThat(i.call("add", 1, 2)).containsExactly(3);
        assertThat(i.lastCallFuel()).isEqualTo(-1);
      }
    }
  }

  @Test
  void meteredAndUnmeteredModulesAreCachedApart() {
    ModuleCache cache = ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT);
    try (PluginHost plain = PluginHost.builder().moduleCache(cache).build()) {
      plain.load(fixture("add"), manifest("add"));
    }
    host = Fixtures.host(ExecutionMode.COMPILER).meterFuel().moduleCache(cache).build();
    PluginHost h = host;
    h.load(fixture("add"), manifest("add"));
    h.load(fixture("add"), manifest("add2"));
    assertThat(h.cacheStats().compilations()).as("the plain and the metered module, each once").isEqualTo(2);
    assertThat(h.cacheStats().entries()).isEqualTo(2);
    assertThat(h.load(fixture("add"), manifest("add")).description().imports()).isEmpty();
  }
}
