package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.GuestTrapException;
import dev.terrarium.api.MemoryLimitException;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.samples.SamplePlugins;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Tiered start: a module starts in the interpreter while it compiles in the background, instances created after
 * the compile run compiled code, and both tiers give the same results, fuel, limits and traps.
 */
class TieredStartTest {
  private static final byte[] KERNELS = SamplePlugins.bytes("kernels.wasm");
  private static final List<String> KERNEL_NAMES = List.of("sieve", "matmul", "fib", "quicksort");
  private static final List<long[]> KERNEL_ARGS =
      List.of(new long[] {20_000}, new long[] {12}, new long[] {18}, new long[] {5_000});

  /**
   * A module the interpreter runs and Endive's compiler cannot compile: a function of 126 i64 parameters, whose
   * {@code call_indirect} method type would need 256 JVM parameter slots.
   */
  private static final byte[] UNCOMPILABLE =
      Wat.compile(
          "(module (func $wide (param "
              + " i64".repeat(126)
              + ") (result i64) local.get 125)"
              + " (func (export \"go\") (result i64) "
              + " i64.const 7".repeat(126)
              + " call $wide))");

  /** Records every compile event; with {@link #holding()}, holds background compiles at their start until released. */
  static final class Recorder implements CompileListener {
    final List<CompileEvent> events = new CopyOnWriteArrayList<>();
    final List<Thread> compileThreads = new CopyOnWriteArrayList<>();
    final CountDownLatch backgroundStarted = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final boolean hold;

    private Recorder(boolean hold) {
      this.hold = hold;
    }

    static Recorder recording() {
      return new Recorder(false);
    }

    static Recorder holding() {
      return new Recorder(true);
    }

    void release() {
      released.countDown();
    }

    List<CompileEvent.Kind> kinds() {
      return events.stream().map(CompileEvent::kind).toList();
    }

    /** When the first background compile started ({@link System#nanoTime}). */
    volatile long startedNanos;

    @Override
    public void onCompile(CompileEvent event) {
      events.add(event);
      if (event.kind() == CompileEvent.Kind.STARTED && event.background()) {
        if (startedNanos == 0) {
          startedNanos = System.nanoTime();
        }
        compileThreads.add(Thread.currentThread());
        backgroundStarted.countDown();
        if (hold) {
          try {
            released.await(60, SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
  }

  /** A progress interval no compile here reaches. */
  private static final Duration NO_PROGRESS = Duration.ofHours(1);

  private static FuelPolicy budget(long units) {
    return FuelPolicy.builder().capacity(units).refill(1, Duration.ofDays(365)).build();
  }

  /** Runs the kernels and returns each result followed by the fuel its call used. */
  private static long[] kernels(PluginInstance i) {
    long[] out = new long[KERNEL_NAMES.size() * 2];
    for (int k = 0; k < KERNEL_NAMES.size(); k++) {
      out[2 * k] = i.call(KERNEL_NAMES.get(k), KERNEL_ARGS.get(k))[0];
      out[2 * k + 1] = i.lastCallFuel();
    }
    return out;
  }

  private static long[] kernelsOn(PluginHost.Builder builder) {
    try (PluginHost h = builder.meterFuel().build()) {
      Tenant t = h.tenant("t", budget(Long.MAX_VALUE / 4));
      try (PluginInstance i = h.load(KERNELS).instantiate(t, InstanceOptions.defaults())) {
        return kernels(i);
      }
    }
  }

  @Test
  void tieredPlugin_servesFromTheInterpreterAtOnce_thenNewInstancesRunCompiled_withTheSameResultsAndFuel()
      throws Exception {
    Recorder recorder = Recorder.holding();
    long[] interpreted;
    try (PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER)
            .meterFuel()
            .tiering(Tiering.always())
            .compileListener(recorder, NO_PROGRESS)
            .build()) {
      Tenant t = h.tenant("t", budget(Long.MAX_VALUE / 4));
      Plugin p = h.load(KERNELS);
      assertThat(recorder.backgroundStarted.await(30, SECONDS)).isTrue();
      assertThat(p.compiled()).as("served before the compile finishes").isFalse();
      assertThat(p.whenCompiled()).isNotDone();
      try (PluginInstance early = p.instantiate(t, InstanceOptions.defaults())) {
        assertThat(early.compiled()).isFalse();
        interpreted = kernels(early);

        recorder.release();
        assertThat(p.whenCompiled().get(60, SECONDS)).isSameAs(p);
        assertThat(p.compiled()).isTrue();
        try (PluginInstance late = p.instantiate(t, InstanceOptions.defaults())) {
          assertThat(late.compiled()).isTrue();
          assertThat(kernels(late)).as("results and fuel, compiled").containsExactly(interpreted);
        }
        assertThat(early.compiled()).as("an instance keeps its tier").isFalse();
        assertThat(kernels(early)).containsExactly(interpreted);
      }
      assertThat(recorder.kinds()).containsExactly(CompileEvent.Kind.STARTED, CompileEvent.Kind.FINISHED);
      CompileEvent finished = recorder.events.get(1);
      assertThat(finished.background()).isTrue();
      assertThat(finished.pluginId()).isEqualTo(p.id());
      assertThat(finished.sha256()).isEqualTo(p.sha256());
      assertThat(finished.moduleBytes()).isEqualTo(KERNELS.length);
      assertThat(finished.failure()).isNull();
    }
    for (int k = 1; k < interpreted.length; k += 2) {
      assertThat(interpreted[k]).as("fuel of %s", KERNEL_NAMES.get(k / 2)).isGreaterThan(1_000);
    }
    assertThat(kernelsOn(Fixtures.host(ExecutionMode.COMPILER).tiering(Tiering.off())))
        .as("a plugin compiled before load returns")
        .containsExactly(interpreted);
    assertThat(kernelsOn(Fixtures.host(ExecutionMode.INTERPRETER))).containsExactly(interpreted);
  }

  /** Greets Ana in a new instance of the Rust greeter; returns the greeting and the fuel the instance used. */
  private static List<Object> greetAna(Plugin greeter, Tenant t) {
    long before = t.used();
    String greeting;
    try (PluginInstance i = greeter.instantiate(t, InstanceOptions.defaults())) {
      greeting = i.exports(dev.terrarium.samples.abi.Greeter.class).greet("Ana");
    }
    return List.of(greeting, t.used() - before);
  }

  @Test
  void aMeteredRustPlugin_givesTheSameResultAndFuelInBothTiers() throws Exception {
    Recorder recorder = Recorder.holding();
    try (PluginHost h =
        PluginHost.builder()
            .moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT))
            .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, new TypedBindingsTest.MemoryStore())
            .meterFuel()
            .tiering(Tiering.always())
            .compileListener(recorder, NO_PROGRESS)
            .build()) {
      Tenant t = h.tenant("t", budget(Long.MAX_VALUE / 4));
      Plugin greeter = h.load(Fixtures.bytes("greeter-rust.wasm"));
      assertThat(recorder.backgroundStarted.await(30, SECONDS)).isTrue();
      List<Object> interpreted = greetAna(greeter, t);
      recorder.release();
      greeter.whenCompiled().get(60, SECONDS);
      assertThat(greetAna(greeter, t)).isEqualTo(interpreted);
      assertThat(interpreted.get(0)).isEqualTo("Hello, Ana!");
      assertThat((Long) interpreted.get(1)).isPositive();
    }
  }

  /** What a call did: its results or exception, its fuel, and the memory after it. */
  private record Outcome(String what, long fuel, int pages) {}

  /** Calls {@code export} in a new instance of {@code plugin} (a trap breaks its instance). */
  private static Outcome outcome(Plugin plugin, Tenant t, String export, long... args) {
    try (PluginInstance i = plugin.instantiate(t, InstanceOptions.defaults())) {
      return outcome(i, export, args);
    }
  }

  private static Outcome outcome(PluginInstance i, String export, long... args) {
    String what;
    try {
      what = "returned " + java.util.Arrays.toString(i.call(export, args));
    } catch (GuestTrapException e) {
      what = "trap " + e.kind();
    } catch (FuelExhaustedException | MemoryLimitException e) {
      what = e.getClass().getSimpleName() + " " + e.code();
    }
    return new Outcome(what, i.lastCallFuel(), i.memoryPages());
  }

  private static List<Outcome> outcomes(Plugin traps, Plugin bomb, Plugin kernels, Tenant t) {
    List<Outcome> all = new ArrayList<>();
    for (String f : List.of("div0", "oob", "unreachable")) {
      all.add(outcome(traps, t, f));
    }
    all.add(outcome(bomb, t, "bomb"));
    try (PluginInstance i = bomb.instantiate(t, InstanceOptions.defaults())) {
      all.add(outcome(i, "grow", 20));
      all.add(outcome(i, "grow", 20));
    }
    all.add(outcome(kernels, t, "fib", 12));
    all.add(outcome(kernels, t, "sieve", 1_000_000));
    return all;
  }

  @Test
  void trapsAndLimits_areTheSameInBothTiers() throws Exception {
    Recorder recorder = Recorder.holding();
    try (PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER)
            .meterFuel()
            .limits(PluginLimits.builder().maxMemoryPages(4096).maxFuelPerCall(200_000).build())
            .tiering(Tiering.always())
            .compileListener(recorder)
            .build()) {
      Tenant t = h.tenant("t", budget(Long.MAX_VALUE / 4));
      Plugin traps = h.load(fixture("traps"), manifest("traps"));
      Plugin bomb =
          h.load(fixture("memory-bomb"), manifest("bomb").withLimits(PluginLimits.builder().maxMemoryPages(40).build()));
      Plugin kernels = h.load(KERNELS);
      assertThat(recorder.backgroundStarted.await(30, SECONDS)).isTrue();
      List<Outcome> interpreted = outcomes(traps, bomb, kernels, t);
      recorder.release();
      for (Plugin p : List.of(traps, bomb, kernels)) {
        p.whenCompiled().get(60, SECONDS);
      }
      List<Outcome> compiled = outcomes(traps, bomb, kernels, t);

      assertThat(compiled).containsExactlyElementsOf(interpreted);
      assertThat(interpreted.stream().map(Outcome::what))
          .containsExactly(
              "trap INTEGER_DIVIDE_BY_ZERO",
              "trap OUT_OF_BOUNDS_MEMORY_ACCESS",
              "trap UNREACHABLE",
              "MemoryLimitException CALL_MEMORY_LIMIT",
              "returned [1]",
              "returned [-1]",
              "returned [144]",
              "FuelExhaustedException CALL_FUEL_EXHAUSTED");
      assertThat(interpreted.get(3).pages()).as("1 + 2 × 16 pages: the third grow would pass 40").isEqualTo(33);
      assertThat(interpreted.get(5).pages()).isEqualTo(21);
      assertThat(interpreted.get(7).fuel())
          .as("stopped at the per-call limit (the block that passes it is charged whole)")
          .isBetween(200_000L, 201_000L);
    }
  }

  @Test
  void failedBackgroundCompile_leavesThePluginServingFromTheInterpreter_andIsReportedNotRetried() throws Exception {
    try (PluginHost off = Fixtures.host(ExecutionMode.COMPILER).tiering(Tiering.off()).build()) {
      assertThatThrownBy(() -> off.load(UNCOMPILABLE, manifest("wide")))
          .as("without tiering the compile's failure fails the load")
          .isInstanceOfSatisfying(PluginLoadException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED));
    }
    Recorder recorder = Recorder.recording();
    try (PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER).tiering(Tiering.always()).compileListener(recorder, NO_PROGRESS).build()) {
      Plugin p = h.load(UNCOMPILABLE, manifest("wide"));
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.call("go")).containsExactly(7);
      }
      assertThatThrownBy(() -> p.whenCompiled().get(60, SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              PluginLoadException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED);
                assertThat(e.getMessage())
                    .startsWith("[Terrarium/LOAD_UNSUPPORTED] plugin 'wide': compiling the module to JVM bytecode failed");
              });
      assertThat(p.compiled()).isFalse();
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.compiled()).isFalse();
        assertThat(i.call("go")).as("still served, interpreted").containsExactly(7);
      }
      assertThat(recorder.kinds()).containsExactly(CompileEvent.Kind.STARTED, CompileEvent.Kind.FAILED);
      CompileEvent failed = recorder.events.get(1);
      assertThat(failed.background()).isTrue();
      assertThat(failed.failure()).isNotNull();
      assertThat(failed.failure().code()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED);

      Plugin again = h.load(UNCOMPILABLE, manifest("wide-again"));
      assertThat(again.whenCompiled()).as("the failure is remembered").isCompletedExceptionally();
      try (PluginInstance i = again.instantiate()) {
        assertThat(i.call("go")).containsExactly(7);
      }
      assertThat(recorder.events).as("not compiled again").hasSize(2);
      Fixtures.assertHealthy(h);
    }
  }

  @Test
  void aCompileDelay_holdsTheBackgroundCompileBack_whileThePluginServesInterpreted() throws Exception {
    Recorder recorder = Recorder.recording();
    Duration delay = Duration.ofMillis(700);
    try (PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER)
            .tiering(Tiering.always().withCompileDelay(delay))
            .compileListener(recorder, NO_PROGRESS)
            .build()) {
      long loaded = System.nanoTime();
      Plugin p = h.load(KERNELS);
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.compiled()).isFalse();
        assertThat(i.call("fib", 10)).containsExactly(55);
      }
      assertThat(p.whenCompiled().get(60, SECONDS)).isSameAs(p);
      long started = recorder.startedNanos;
      assertThat(Duration.ofNanos(started - loaded)).as("the compile waited for its delay").isGreaterThanOrEqualTo(delay);
      assertThat(recorder.kinds()).containsExactly(CompileEvent.Kind.STARTED, CompileEvent.Kind.FINISHED);
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.compiled()).isTrue();
        assertThat(i.call("fib", 10)).containsExactly(55);
      }
    }
  }

  @Test
  void closingTheHostDuringTheDelay_cancelsTheCompile_beforeItStarts() throws Exception {
    Recorder recorder = Recorder.recording();
    PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER)
            .tiering(Tiering.always().withCompileDelay(Duration.ofSeconds(30)))
            .compileListener(recorder, NO_PROGRESS)
            .build();
    Plugin p = h.load(KERNELS);
    assertThat(p.whenCompiled()).isNotDone();
    h.close();
    assertThatThrownBy(() -> p.whenCompiled().get(5, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CancellationException.class)
        .hasMessage("the host was closed");
    assertThat(recorder.events).as("nothing was compiled").isEmpty();
  }

  @Test
  void theCompileDelay_isChecked_andPartOfTheTiering() {
    assertThat(Tiering.auto().compileDelay()).isZero();
    Tiering delayed = Tiering.auto().withCompileDelay(Duration.ofSeconds(2));
    assertThat(delayed.compileDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(delayed.thresholdBytes()).hasValue(Tiering.DEFAULT_THRESHOLD_BYTES);
    assertThat(delayed).isNotEqualTo(Tiering.auto()).isEqualTo(Tiering.auto().withCompileDelay(Duration.ofMillis(2000)));
    assertThat(delayed.hashCode()).isEqualTo(Tiering.auto().withCompileDelay(Duration.ofMillis(2000)).hashCode());
    assertThat(delayed).hasToString("Tiering.auto(1048576).withCompileDelay(PT2S)");
    assertThat(Tiering.off().withCompileDelay(Duration.ofSeconds(2))).as("nothing to delay").isEqualTo(Tiering.off());
    assertThatThrownBy(() -> Tiering.auto().withCompileDelay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> Tiering.auto().withCompileDelay(null)).isInstanceOf(NullPointerException.class);
  }

  private static Set<Thread> compileThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("terrarium-compile"))
        .collect(Collectors.toSet());
  }

  @Test
  void close_abandonsBackgroundCompiles_andLeavesNoCompileThread() throws Exception {
    Set<Thread> before = compileThreads();
    Recorder recorder = Recorder.holding();
    PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER)
            .tiering(Tiering.always())
            .compileListener(recorder, Duration.ofMillis(5))
            .build();
    Plugin running = h.load(fixture("traps"), manifest("traps"));
    Plugin queued = h.load(fixture("add"), manifest("add"));
    assertThat(recorder.backgroundStarted.await(30, SECONDS)).isTrue();

    h.close(); // while the first compile is held by the listener, and the second waits behind it

    for (Plugin p : List.of(running, queued)) {
      assertThatThrownBy(() -> p.whenCompiled().get(5, SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(CancellationException.class)
          .hasMessage("the host was closed");
      assertThat(p.compiled()).isFalse();
    }
    recorder.release();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Set<Thread> left = compileThreads();
    left.removeAll(before);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      for (Thread t : left) {
        t.join(100);
      }
      left = compileThreads();
      left.removeAll(before);
    }
    assertThat(left).as("compile threads after close").isEmpty();
    assertThat(recorder.events.stream().filter(e -> e.kind() == CompileEvent.Kind.STARTED))
        .as("the queued compile never started")
        .hasSize(1);
    assertThat(running.compiled()).as("an abandoned compile is not applied").isFalse();
  }

  @Test
  void aReusingPool_replacesItsInterpretedInstance_whenItComesBackAfterTheCompile() throws Exception {
    Recorder recorder = Recorder.holding();
    try (PluginHost h =
            Fixtures.host(ExecutionMode.COMPILER).tiering(Tiering.always()).compileListener(recorder, NO_PROGRESS).build();
        dev.terrarium.host.pool.InstancePool pool =
            dev.terrarium.host.pool.InstancePool.builder(h.load(fixture("add"), manifest("add")), h.tenant("t"))
                .maxSize(1)
                .resetPolicy(dev.terrarium.host.pool.ResetPolicy.REUSE)
                .build()) {
      assertThat(recorder.backgroundStarted.await(30, SECONDS)).isTrue();
      PluginInstance first;
      try (var lease = pool.borrow()) {
        first = lease.instance();
        assertThat(first.compiled()).isFalse();
        assertThat(first.call("add", 1, 2)).containsExactly(3);
      }
      try (var lease = pool.borrow()) {
        assertThat(lease.instance()).as("reused while the plugin is interpreted").isSameAs(first);
      }
      recorder.release();
      pool.plugin().whenCompiled().get(60, SECONDS);
      try (var lease = pool.borrow()) {
        assertThat(lease.instance()).as("the idle instance is lent once more").isSameAs(first);
      }
      try (var lease = pool.borrow()) {
        assertThat(lease.instance()).as("and replaced when it came back").isNotSameAs(first);
        assertThat(lease.instance().compiled()).isTrue();
        assertThat(lease.instance().call("add", 1, 2)).containsExactly(3);
      }
      assertThat(pool.stats().brokenReplaced()).as("not counted as broken").isZero();
    }
  }

  @Test
  void aBackgroundCompile_goesIntoTheSharedModuleCache_forEveryHost() throws Exception {
    ModuleCache cache = ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT);
    Recorder later = Recorder.recording();
    try (PluginHost tiered = Fixtures.host(ExecutionMode.COMPILER).moduleCache(cache).tiering(Tiering.always()).build();
        PluginHost other =
            Fixtures.host(ExecutionMode.COMPILER).moduleCache(cache).tiering(Tiering.always()).compileListener(later).build()) {
      Plugin first = tiered.load(fixture("traps"), manifest("traps"));
      first.whenCompiled().get(60, SECONDS);
      long compilations = cache.stats().compilations();

      Plugin second = other.load(fixture("traps"), manifest("traps"));
      assertThat(second.compiled()).as("compiled at once from the cache").isTrue();
      assertThat(second.whenCompiled()).isCompletedWithValue(second);
      assertThat(second.artifact()).isSameAs(first.artifact());
      assertThat(cache.stats().compilations()).isEqualTo(compilations);
      assertThat(later.events).as("nothing compiled, nothing reported").isEmpty();
    }
  }

  /**
   * With a cache directory, a tiered module's background compile is stored there, and a later host (another
   * process, as the CLI's next run) loads it from there compiled at once instead of interpreting it again.
   */
  @Test
  void aTieredModule_isStoredInTheCacheDirectory_andLoadedFromItCompiledNextTime(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path temp) throws Exception {
    java.nio.file.Path dir = temp.resolve("cache");
    java.nio.file.Path key = temp.resolve("keys/cache.key");
    byte[] module = SharedModuleCacheTest.variant(KERNELS, "tiered-disk");
    long[] first;
    try (PluginHost host =
        PluginHost.builder()
            .meterFuel()
            .tiering(Tiering.always())
            .moduleCache(ModuleCache.builder().directory(dir).keyFile(key).build())
            .build()) {
      Plugin plugin = host.load(module);
      Tenant t = host.tenant("t", FuelPolicy.unlimited());
      try (PluginInstance i = plugin.instantiate(t, InstanceOptions.defaults())) {
        first = kernels(i);
      }
      plugin.whenCompiled().get(120, SECONDS);
      assertThat(host.cacheStats().diskWrites()).isEqualTo(1);
    }
    try (PluginHost next =
        PluginHost.builder()
            .meterFuel()
            .tiering(Tiering.always())
            .moduleCache(ModuleCache.builder().directory(dir).keyFile(key).build())
            .build()) {
      Plugin plugin = next.load(module);
      assertThat(plugin.compiled()).isTrue();
      assertThat(next.cacheStats().diskHits()).isEqualTo(1);
      assertThat(next.cacheStats().compilations()).isZero();
      try (PluginInstance i = plugin.instantiate(next.tenant("t", FuelPolicy.unlimited()), InstanceOptions.defaults())) {
        assertThat(i.compiled()).isTrue();
        assertThat(kernels(i)).containsExactly(first);
      }
    }
  }

  @Test
  void autoTiering_tiersOnlyModulesLargerThanTheThreshold() throws Exception {
    byte[] module = fixture("traps");
    Function<Tiering, CompileEvent> firstEvent =
        tiering -> {
          Recorder recorder = Recorder.recording();
          try (PluginHost h = Fixtures.host(ExecutionMode.COMPILER).tiering(tiering).compileListener(recorder).build()) {
            h.load(module, manifest("traps")).whenCompiled().join();
          }
          return recorder.events.get(0);
        };
    assertThat(firstEvent.apply(Tiering.auto(module.length)).background()).as("at the threshold").isFalse();
    assertThat(firstEvent.apply(Tiering.auto(module.length - 1)).background()).as("one byte over").isTrue();
    assertThat(firstEvent.apply(Tiering.off()).background()).isFalse();
    assertThat(firstEvent.apply(Tiering.always()).background()).isTrue();

    assertThat(Tiering.auto().thresholdBytes()).hasValue(Tiering.DEFAULT_THRESHOLD_BYTES);
    assertThat(Tiering.off().thresholdBytes()).isEmpty();
    try (PluginHost h = PluginHost.builder().build()) {
      assertThat(h.tiering()).isEqualTo(Tiering.auto());
    }
  }

  private static dev.terrarium.api.Capabilities everyWasi() {
    return dev.terrarium.api.Capabilities.builder().wasi(dev.terrarium.api.WasiCapability.values()).build();
  }

  @Test
  void listener_hearsForegroundCompiles_withProgressInOrder() {
    byte[] module = SamplePlugins.bytes("wasi-check-rust.wasm");
    Recorder recorder = Recorder.recording();
    try (PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER)
            .grants(Grants.builder().wasi(dev.terrarium.api.WasiCapability.values()).build())
            .tiering(Tiering.off())
            .compileListener(recorder, Duration.ofMillis(2))
            .build()) {
      Plugin p = h.load(module, manifest("check", everyWasi()));
      assertThat(p.compiled()).isTrue();
      List<CompileEvent.Kind> kinds = recorder.kinds();
      assertThat(kinds.get(0)).isEqualTo(CompileEvent.Kind.STARTED);
      assertThat(kinds.get(kinds.size() - 1)).isEqualTo(CompileEvent.Kind.FINISHED);
      assertThat(kinds.subList(1, kinds.size() - 1))
          .as("a compile of a quarter megabyte takes more than a few ticks of 2 ms")
          .isNotEmpty()
          .containsOnly(CompileEvent.Kind.PROGRESS);
      Duration previous = Duration.ZERO;
      for (CompileEvent e : recorder.events) {
        assertThat(e.background()).isFalse();
        assertThat(e.moduleBytes()).isEqualTo(module.length);
        assertThat(e.pluginId()).isEqualTo("check");
        assertThat(e.elapsed()).isGreaterThanOrEqualTo(previous);
        previous = e.elapsed();
      }

      int seen = recorder.events.size();
      h.load(module, manifest("check-again", everyWasi()));
      assertThat(recorder.events).as("a cached module is not compiled again").hasSize(seen);
    }
  }

  @Test
  void aListenerThatThrows_disturbsNoCompile() throws Exception {
    CompileListener failing =
        e -> {
          throw new IllegalStateException("listener bug");
        };
    try (PluginHost h =
        Fixtures.host(ExecutionMode.COMPILER).tiering(Tiering.always()).compileListener(failing).build()) {
      Plugin p = h.load(fixture("add"), manifest("add"));
      assertThat(p.whenCompiled().get(60, SECONDS).compiled()).isTrue();
      Fixtures.assertHealthy(h);
    }
    try (PluginHost h = Fixtures.host(ExecutionMode.COMPILER).tiering(Tiering.off()).compileListener(failing).build()) {
      assertThat(h.load(fixture("traps"), manifest("traps")).compiled()).isTrue();
    }
  }

  @Test
  void anInterpretingHost_neverTiers_andSaysItNeverCompiles() {
    Recorder recorder = Recorder.recording();
    try (PluginHost h =
        Fixtures.host(ExecutionMode.INTERPRETER).tiering(Tiering.always()).compileListener(recorder).build()) {
      Plugin p = h.load(fixture("add"), manifest("add"));
      assertThat(p.compiled()).isFalse();
      assertThatThrownBy(() -> p.whenCompiled().join())
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("its host runs modules in the interpreter");
      assertThat(recorder.events).isEmpty();
      Fixtures.assertHealthy(h);
    }
  }

  @Test
  void badTieringOptions_areRefusedWithTheValue() {
    assertThatThrownBy(() -> Tiering.auto(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the tiering threshold must not be negative, was -1; use Tiering.off() to never tier");
    assertThatThrownBy(() -> PluginHost.builder().compileListener(e -> {}, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the progress interval must be positive, was PT0S");
    assertThatThrownBy(() -> PluginHost.builder().tiering(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> PluginHost.builder().compileListener(null)).isInstanceOf(NullPointerException.class);
    try (PluginHost h = PluginHost.builder().tiering(Tiering.always()).build()) {
      Fixtures.assertHealthy(h);
    }
  }

  @Test
  void compileEvent_checksItsFields() {
    PluginLoadException failure = new PluginLoadException(ErrorCode.LOAD_UNSUPPORTED, "p", "no", null);
    assertThatThrownBy(
            () -> new CompileEvent(CompileEvent.Kind.FINISHED, "p", "00", 1, false, Duration.ZERO, failure))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FINISHED");
    assertThatThrownBy(() -> new CompileEvent(CompileEvent.Kind.FAILED, "p", "00", 1, false, Duration.ZERO, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CompileEvent(CompileEvent.Kind.STARTED, "p", "00", -1, false, Duration.ZERO, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PluginException.class).isAssignableFrom(PluginLoadException.class);
  }
}
