package dev.terrarium.host.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.PluginUnavailableException;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.Manifests;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Wat;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Entry;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.KeyValueStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watched plugin directories with real files and real modules: load, swap, refuse, remove, disable, close. */
class PluginDirectoryTest {
  /** A module whose export {@code version} returns {@code n}. */
  private static byte[] version(int n) {
    return Wat.compile("(module (func (export \"version\") (result i32) (i32.const " + n + ")))");
  }

  private static final byte[] V1 = version(1);
  private static final byte[] V2 = version(2);
  private static final byte[] V3 = version(3);

  /** Version 1, whose {@code version} first calls the host's {@code test.block}, which waits for the test. */
  private static final byte[] BLOCKING_V1 =
      Wat.compile(
          "(module (import \"test\" \"block\" (func $block (result i32)))"
              + " (func (export \"version\") (result i32) (drop (call $block)) (i32.const 1)))");

  /** Imports from the host module {@code secret}, which the host does not grant. */
  private static final byte[] SECRET =
      Wat.compile(
          "(module (import \"secret\" \"peek\" (func (result i32)))"
              + " (func (export \"version\") (result i32) (i32.const 9)))");

  private static final Duration QUIET = Duration.ofMillis(40);
  private static final Duration POLL = Duration.ofMillis(100);

  @TempDir Path dir;
  @TempDir Path elsewhere;

  private final CountDownLatch blocked = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final PluginHost host =
      PluginHost.builder()
          .hostFunction(
              "test",
              "block",
              List.of(),
              List.of(WasmType.I32),
              (ctx, args) -> {
                blocked.countDown();
                try {
                  if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the call");
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException(e);
                }
                return new long[] {0};
              })
          .hostImports(KeyValueStore.class, new EmptyStore())
          .build();
  private final Events events = new Events();
  private final List<PluginDirectory> directories = new ArrayList<>();

  @AfterEach
  void tearDown() {
    release.countDown();
    directories.forEach(PluginDirectory::close);
    host.close();
  }

  private PluginDirectory watch() {
    return watch(PluginDirectory.builder(host, dir));
  }

  private PluginDirectory watch(PluginDirectory.Builder b) {
    PluginDirectory d = b.pollInterval(POLL).quietPeriod(QUIET).listener(events).build();
    directories.add(d);
    return d;
  }

  /** Writes a file the safe way: under a hidden name, then renamed into place in one atomic move. */
  private void deploy(String name, byte[] bytes) throws IOException {
    Path tmp = dir.resolve("." + name + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private void deployManifest(String id, PluginManifest manifest) throws IOException {
    deploy(id + ".manifest.json", Manifests.toJson(manifest).getBytes(StandardCharsets.UTF_8));
  }

  private static long version(PluginRef ref) {
    return ref.call("version")[0];
  }

  // --- load and swap ---------------------------------------------------------------------------------------------

  @Test
  void build_loadsAndStartsThePluginsTheDirectoryHolds() throws IOException {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();

    PluginRef adder = d.plugin("adder");
    assertThat(version(adder)).isEqualTo(1);
    assertThat(adder.status())
        .isEqualTo(new PluginStatus("adder", PluginState.STARTED, PluginHost.sha256(V1), null));
    assertThat(d.statuses()).containsExactly(adder.status());
    assertThat(events.all())
        .containsExactly(
            new PluginStateEvent("adder", null, PluginState.STARTED, PluginHost.sha256(V1), null, null));
    assertThat(d.tenant().id()).isEqualTo(PluginDirectory.DEFAULT_TENANT);
  }

  @Test
  void newVersion_isSwappedInAndNewCallsReachIt() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");
    assertThat(version(adder)).isEqualTo(1);

    deploy("adder.wasm", V2);
    PluginStateEvent swap = events.await(e -> PluginHost.sha256(V2).equals(e.version()));

    assertThat(swap.from()).isEqualTo(PluginState.STARTED);
    assertThat(swap.to()).isEqualTo(PluginState.STARTED);
    assertThat(swap.previousVersion()).isEqualTo(PluginHost.sha256(V1));
    assertThat(swap.failed()).isFalse();
    assertThat(version(adder)).isEqualTo(2);
    assertThat(adder.status().version()).isEqualTo(PluginHost.sha256(V2));
  }

  @Test
  void callInFlight_finishesOnTheOldVersion_whileNewCallsGoToTheNewOne_andTheOldPoolDrains() throws Exception {
    deploy("adder.wasm", BLOCKING_V1);
    deployManifest(
        "adder", PluginManifest.of("adder", "1.0.0").withCapabilities(Capabilities.builder().hostModule("test").build()));
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");
    AtomicReference<PluginInstance> oldInstance = new AtomicReference<>();
    CompletableFuture<Long> inFlight =
        CompletableFuture.supplyAsync(
            () ->
                adder.with(
                    instance -> {
                      oldInstance.set(instance);
                      return instance.call("version")[0];
                    }));
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();

    deploy("adder.wasm", V2); // its manifest (asking for "test") stays, and is granted

    events.await(e -> PluginHost.sha256(V2).equals(e.version()));

    assertThat(inFlight).isNotDone();
    assertThat(version(adder)).isEqualTo(2); // a new call reaches version 2 while version 1 still runs
    assertThat(oldInstance.get().usable()).isTrue();
    release.countDown();
    assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo(1); // the call in flight finished on version 1
    assertThat(oldInstance.get().usable()).as("the old pool closed its instance when it came back").isFalse();
    assertThat(version(adder)).isEqualTo(2);
  }

  @Test
  void callsFromManyThreads_neverFailWhileVersionsAreSwapped() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch(PluginDirectory.builder(host, dir).pool(p -> p.maxSize(2)));
    PluginRef adder = d.plugin("adder");
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.ConcurrentHashMap<Long, Boolean> seen = new java.util.concurrent.ConcurrentHashMap<>();
    List<CompletableFuture<Long>> callers = new ArrayList<>();
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      callers.add(
          CompletableFuture.supplyAsync(
              () -> {
                long calls = 0;
                while (running.get()) {
                  seen.put(version(adder), true);
                  calls++;
                }
                return calls;
              },
              threads));
    }
    byte[][] versions = {V2, V3, V1, V2, V3};
    for (byte[] v : versions) {
      int before = events.all().size();
      deploy("adder.wasm", v);
      events.await(before, e -> PluginHost.sha256(v).equals(e.version()));
    }
    running.set(false);
    for (CompletableFuture<Long> caller : callers) {
      assertThat(caller.get(10, TimeUnit.SECONDS)).isPositive(); // none threw
    }
    threads.shutdown();
    assertThat(seen.keySet()).isSubsetOf(1L, 2L, 3L).contains(3L);
    assertThat(events.all()).noneMatch(PluginStateEvent::failed);
  }

  @Test
  void exportsProxy_reachesTheVersionServingAtEachCall() throws Exception {
    deploy("greeter-c.wasm", SamplePlugins.bytes("greeter-c.wasm")); // its manifest is embedded: version 0.1.0
    PluginDirectory d = watch();
    PluginRef ref = d.plugin("greeter-c");
    Greeter greeter = ref.exports(Greeter.class);
    assertThat(greeter.greet("Ana")).isEqualTo("Hello, Ana!");
    assertThat(ref.plugin().map(Plugin::version)).contains("0.1.0");

    deployManifest(
        "greeter-c",
        PluginManifest.of("greeter-c", "0.2.0").withCapabilities(Capabilities.builder().hostModule("kv").build()));
    events.await(e -> e.id().equals("greeter-c") && e.from() == PluginState.STARTED);

    assertThat(ref.plugin().map(Plugin::version)).contains("0.2.0");
    assertThat(greeter.greet("Bo")).isEqualTo("Hello, Bo!");
  }

  @Test
  void directOverwrite_isReadOnceTheFileIsWhole() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    // A copy caught half way: the first half of version 2 in place of version 1 (not the safe way).
    Files.write(dir.resolve("adder.wasm"), Arrays.copyOf(V2, V2.length / 2));
    PluginStateEvent half = events.await(PluginStateEvent::failed);
    assertThat(half.failure().code()).isEqualTo(ErrorCode.LOAD_MALFORMED);
    assertThat(version(adder)).isEqualTo(1);

    Files.write(dir.resolve("adder.wasm"), V2); // the copy completes
    events.await(e -> PluginHost.sha256(V2).equals(e.version()));
    assertThat(version(adder)).isEqualTo(2);
    assertThat(adder.status().lastFailure()).isNull();
  }

  @Test
  void sameContent_rewrittenOrTouched_causesNoChange() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    Files.setLastModifiedTime(dir.resolve("adder.wasm"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
    deploy("adder.wasm", V1.clone());
    deploy("barrier.wasm", V3);
    events.await(e -> e.id().equals("barrier"));

    assertThat(events.of("adder")).hasSize(1); // only its start
    assertThat(version(d.plugin("adder"))).isEqualTo(1);
  }

  @Test
  void withoutChangeNotices_theRescanFindsNewVersions() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch(PluginDirectory.builder(host, dir).changeNotices(false));
    deploy("adder.wasm", V2);
    events.await(e -> PluginHost.sha256(V2).equals(e.version()));
    assertThat(version(d.plugin("adder"))).isEqualTo(2);
  }

  // --- refused versions ------------------------------------------------------------------------------------------

  @Test
  void garbageVersion_isRefused_andTheOldOneKeepsServing() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    deploy("adder.wasm", SamplePlugins.bytes("fixtures/garbage.wasm"));
    PluginStateEvent refused = events.await(PluginStateEvent::failed);

    assertThat(refused.from()).isEqualTo(PluginState.STARTED);
    assertThat(refused.to()).isEqualTo(PluginState.STARTED);
    assertThat(refused.version()).isEqualTo(PluginHost.sha256(V1));
    assertThat(refused.failure().code()).isEqualTo(ErrorCode.LOAD_MALFORMED);
    assertThat(refused.failure().getMessage()).startsWith("[Terrarium/LOAD_MALFORMED] plugin 'adder':");
    assertThat(adder.status().state()).isEqualTo(PluginState.STARTED);
    assertThat(adder.status().version()).isEqualTo(PluginHost.sha256(V1));
    assertThat(adder.status().lastFailure()).isSameAs(refused.failure());
    assertThat(version(adder)).isEqualTo(1);

    deploy("adder.wasm", V2); // a good version after a bad one is taken, and clears the failure
    events.await(e -> PluginHost.sha256(V2).equals(e.version()));
    assertThat(version(adder)).isEqualTo(2);
    assertThat(adder.status().lastFailure()).isNull();
  }

  @Test
  void versionWhoseManifestAsksForAnUngrantedCapability_isRefused_andTheOldOneKeepsServing() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();

    deployManifest(
        "adder",
        PluginManifest.of("adder", "2.0.0").withCapabilities(Capabilities.builder().hostModule("secret").build()));
    deploy("adder.wasm", SECRET);
    PluginStateEvent refused = events.await(e -> e.failed() && e.failure().code() == ErrorCode.LINK_DENIED);

    assertThat(refused.to()).isEqualTo(PluginState.STARTED);
    assertThat(refused.failure().getMessage()).contains("secret", "peek");
    assertThat(version(d.plugin("adder"))).isEqualTo(1);
    assertThat(d.plugin("adder").status().lastFailure().code()).isEqualTo(ErrorCode.LINK_DENIED);
  }

  @Test
  void versionWhoseStartFunctionTraps_isRefusedByTheCheckInstance() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();

    deploy("adder.wasm", SamplePlugins.bytes("fixtures/start-trap.wasm"));
    PluginStateEvent refused = events.await(PluginStateEvent::failed);

    assertThat(refused.failure().code()).isEqualTo(ErrorCode.INSTANTIATE_FAILED);
    assertThat(version(d.plugin("adder"))).isEqualTo(1);
  }

  @Test
  void withoutTheCheckInstance_aVersionWhosePoolCannotStart_isRefused_andTheOldOneKeepsServing() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch(PluginDirectory.builder(host, dir).checkInstance(false).pool(p -> p.minIdle(1)));

    deploy("adder.wasm", SamplePlugins.bytes("fixtures/start-trap.wasm"));
    PluginStateEvent refused = events.await(PluginStateEvent::failed);

    assertThat(refused.failure().code()).isEqualTo(ErrorCode.INSTANTIATE_FAILED); // the pool's first instance
    assertThat(refused.to()).isEqualTo(PluginState.STARTED);
    assertThat(version(d.plugin("adder"))).isEqualTo(1);

    d.stop("adder");
    Files.delete(dir.resolve("adder.wasm"));
    events.await(e -> e.to() == PluginState.STOPPED && e.version() == null);
    deploy("adder.wasm", SamplePlugins.bytes("fixtures/start-trap.wasm")); // with nothing to fall back on
    PluginStateEvent failed = events.await(e -> e.to() == PluginState.FAILED);
    assertThat(failed.failure().code()).isEqualTo(ErrorCode.INSTANTIATE_FAILED);
    assertThat(d.status("adder").orElseThrow().version()).isEqualTo(
        PluginHost.sha256(SamplePlugins.bytes("fixtures/start-trap.wasm")));
    assertThatThrownBy(() -> d.start("adder")) // loaded, but its pool still cannot start
        .isInstanceOfSatisfying(
            dev.terrarium.api.PluginInstantiationException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INSTANTIATE_FAILED));
  }

  @Test
  void manifestNamingAnotherId_isRefused() throws Exception {
    deployManifest("adder", PluginManifest.of("subtractor", "1.0.0"));
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();

    PluginStatus status = d.status("adder").orElseThrow();
    assertThat(status.state()).isEqualTo(PluginState.FAILED);
    assertThat(status.lastFailure().code()).isEqualTo(ErrorCode.LOAD_MANIFEST);
    assertThat(status.lastFailure().getMessage())
        .contains("names the plugin 'subtractor'", "Make the manifest's id 'adder', or rename the file");
  }

  @Test
  void firstVersionBroken_isFailed_callsAreRefused_andAGoodVersionStartsIt() throws Exception {
    deploy("adder.wasm", SamplePlugins.bytes("fixtures/garbage.wasm"));
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    assertThat(adder.status().state()).isEqualTo(PluginState.FAILED);
    assertThat(adder.status().version()).isNull();
    assertThat(events.of("adder").get(0).to()).isEqualTo(PluginState.FAILED);
    assertThatThrownBy(() -> adder.call("version"))
        .isInstanceOfSatisfying(
            PluginUnavailableException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CALL_PLUGIN_UNAVAILABLE);
              assertThat(e.state()).isEqualTo("FAILED");
              assertThat(e.instanceUsable()).isTrue();
            })
        .hasMessageStartingWith(
            "[Terrarium/CALL_PLUGIN_UNAVAILABLE] plugin 'adder': it serves no calls: its files failed to load"
                + " ([Terrarium/LOAD_MALFORMED]")
        .hasMessageEndingWith(
            "Fix adder.wasm or its manifest; the directory loads them again when they change.");

    deploy("adder.wasm", V1);
    PluginStateEvent started = events.await(e -> e.to() == PluginState.STARTED);
    assertThat(started.from()).isEqualTo(PluginState.FAILED);
    assertThat(version(adder)).isEqualTo(1);
  }

  // --- removal, stop, disable ------------------------------------------------------------------------------------

  @Test
  void removedFile_stopsThePlugin_andDeployingItAgainStartsIt() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    Files.delete(dir.resolve("adder.wasm"));
    PluginStateEvent stopped = events.await(e -> e.to() == PluginState.STOPPED);

    assertThat(stopped.from()).isEqualTo(PluginState.STARTED);
    assertThat(stopped.version()).isNull();
    assertThat(stopped.previousVersion()).isEqualTo(PluginHost.sha256(V1));
    assertThat(adder.status()).isEqualTo(new PluginStatus("adder", PluginState.STOPPED, null, null));
    assertThatThrownBy(() -> adder.call("version"))
        .isInstanceOf(PluginUnavailableException.class)
        .hasMessageContaining("its file adder.wasm was removed from " + dir + ". Deploy it again.");
    assertThatThrownBy(() -> d.start("adder"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("has no version to start");

    deploy("adder.wasm", V2);
    events.await(e -> e.to() == PluginState.STARTED && e.from() == PluginState.STOPPED);
    assertThat(version(adder)).isEqualTo(2);
  }

  @Test
  void stoppedPlugin_refusesCalls_loadsButDoesNotStartANewVersion_andStartsAgain() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    d.stop("adder");
    assertThat(events.last()).isEqualTo(
        new PluginStateEvent(
            "adder", PluginState.STARTED, PluginState.STOPPED, PluginHost.sha256(V1), PluginHost.sha256(V1), null));
    assertThatThrownBy(() -> adder.call("version"))
        .isInstanceOfSatisfying(PluginUnavailableException.class, e -> assertThat(e.state()).isEqualTo("STOPPED"))
        .hasMessageContaining("it was stopped. Start it");

    deploy("adder.wasm", V2);
    PluginStateEvent loaded = events.await(e -> e.to() == PluginState.LOADED);
    assertThat(loaded.version()).isEqualTo(PluginHost.sha256(V2));
    assertThatThrownBy(() -> adder.call("version")).isInstanceOf(PluginUnavailableException.class);

    d.start("adder");
    assertThat(adder.status().state()).isEqualTo(PluginState.STARTED);
    assertThat(version(adder)).isEqualTo(2);
  }

  @Test
  void withoutAutoStart_pluginsStayLoadedUntilStarted() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch(PluginDirectory.builder(host, dir).autoStart(false));
    PluginRef adder = d.plugin("adder");
    assertThat(adder.status().state()).isEqualTo(PluginState.LOADED);
    assertThatThrownBy(() -> adder.call("version"))
        .isInstanceOf(PluginUnavailableException.class)
        .hasMessageContaining("loaded but not started");

    d.start("adder");
    assertThat(version(adder)).isEqualTo(1);
    deploy("adder.wasm", V2); // a started plugin gets its new versions
    events.await(e -> PluginHost.sha256(V2).equals(e.version()));
    assertThat(version(adder)).isEqualTo(2);
  }

  @Test
  void disabledPlugin_ignoresItsFiles_andEnableLoadsThemAsTheyAreNow() throws Exception {
    deploy("adder.wasm", V1);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    d.disable("adder");
    assertThat(adder.status()).isEqualTo(new PluginStatus("adder", PluginState.DISABLED, null, null));
    assertThatThrownBy(() -> adder.call("version")).isInstanceOf(PluginUnavailableException.class);

    deploy("adder.wasm", V2);
    deploy("barrier.wasm", V3); // written after adder's change: once it is loaded, adder's change was seen
    events.await(e -> e.id().equals("barrier"));
    assertThat(events.of("adder").get(events.of("adder").size() - 1).to()).isEqualTo(PluginState.DISABLED);
    assertThat(adder.status().state()).isEqualTo(PluginState.DISABLED);
    assertThatThrownBy(() -> d.start("adder")).isInstanceOf(IllegalStateException.class);

    d.enable("adder");
    assertThat(events.last())
        .isEqualTo(
            new PluginStateEvent(
                "adder", PluginState.DISABLED, PluginState.STARTED, PluginHost.sha256(V2), null, null));
    assertThat(version(adder)).isEqualTo(2);
  }

  @Test
  void pluginDisabledBeforeItIsDeployed_isNotLoaded() throws Exception {
    PluginDirectory d = watch();
    d.disable("adder");
    deploy("adder.wasm", V1);
    deploy("barrier.wasm", V3);
    events.await(e -> e.id().equals("barrier"));
    assertThat(d.status("adder").orElseThrow().state()).isEqualTo(PluginState.DISABLED);

    d.enable("adder");
    assertThat(version(d.plugin("adder"))).isEqualTo(1);
  }

  // --- listeners, close --------------------------------------------------------------------------------------------

  @Test
  void listenerThatThrows_breaksNeitherTheWatcherNorOtherListeners() throws Exception {
    deploy("adder.wasm", V1);
    List<PluginStateEvent> seenByBadListener = new CopyOnWriteArrayList<>();
    PluginDirectory d =
        watch(
            PluginDirectory.builder(host, dir)
                .listener(
                    e -> {
                      seenByBadListener.add(e);
                      throw new IllegalStateException("listener bug");
                    }));

    deploy("adder.wasm", V2);
    events.await(e -> PluginHost.sha256(V2).equals(e.version()));
    deploy("adder.wasm", V3);
    events.await(e -> PluginHost.sha256(V3).equals(e.version()));

    assertThat(version(d.plugin("adder"))).isEqualTo(3);
    assertThat(seenByBadListener).hasSize(3);
  }

  @Test
  void close_stopsEveryPluginAndTheWatcher_andTheHostStillServesAPluginLoadedDirectly() throws Exception {
    deploy("adder.wasm", V1);
    deploy("other.wasm", V2);
    PluginDirectory d = watch();
    PluginRef adder = d.plugin("adder");

    d.close();
    assertThat(events.all().subList(2, 4))
        .extracting(PluginStateEvent::id, PluginStateEvent::to)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("adder", PluginState.STOPPED),
            org.assertj.core.groups.Tuple.tuple("other", PluginState.STOPPED));
    assertThatThrownBy(() -> adder.call("version"))
        .isInstanceOf(PluginUnavailableException.class)
        .hasMessageContaining("was closed");
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals(PluginDirectory.WATCHER_THREAD) && t.isAlive());
    assertThatThrownBy(() -> d.start("adder")).isInstanceOf(IllegalStateException.class);

    deploy("adder.wasm", V3);
    Thread.sleep(POLL.toMillis() * 3);
    assertThat(events.all()).hasSize(4); // nothing watches any more
    d.close(); // idempotent

    Plugin direct = host.load(dir.resolve("adder.wasm"));
    try (PluginInstance instance = direct.instantiate()) {
      assertThat(instance.call("version")[0]).isEqualTo(3);
    }
  }

  // --- what is not a plugin ------------------------------------------------------------------------------------------

  @Test
  void symbolicLinks_areNotLoaded() throws Exception {
    Path outside = Files.write(elsewhere.resolve("outside.wasm"), V1);
    Files.createSymbolicLink(dir.resolve("linked.wasm"), outside);
    Path manifest = Files.writeString(elsewhere.resolve("m.json"), Manifests.toJson(PluginManifest.of("adder", "1")));
    Files.createSymbolicLink(dir.resolve("adder.manifest.json"), manifest);
    deploy("adder.wasm", V1);
    deploy("good.wasm", V2);
    PluginDirectory d = watch();

    assertThat(d.status("linked")).isEmpty();
    assertThatThrownBy(() -> d.plugin("linked").call("version"))
        .isInstanceOf(PluginUnavailableException.class)
        .hasMessageContaining("holds no such plugin");
    PluginStatus adder = d.status("adder").orElseThrow();
    assertThat(adder.state()).isEqualTo(PluginState.FAILED);
    assertThat(adder.lastFailure().code()).isEqualTo(ErrorCode.LOAD_MANIFEST);
    assertThat(adder.lastFailure().getMessage()).contains("is not a regular file");
    assertThat(version(d.plugin("good"))).isEqualTo(2);
  }

  @Test
  void otherFiles_areIgnored() throws Exception {
    deploy("Upper Case.wasm", V1);
    deploy("notes.txt", V1);
    Files.write(dir.resolve(".hidden.wasm"), V1);
    Files.createDirectory(dir.resolve("sub.wasm"));
    deploy("good.wasm", V2);
    PluginDirectory d = watch();

    assertThat(d.statuses()).extracting(PluginStatus::id).containsExactly("good");
  }

  // --- bad configuration -------------------------------------------------------------------------------------------

  @Test
  void build_refusesADirectoryThatDoesNotExist_andOneOthersMayWrite() throws Exception {
    assertThatThrownBy(() -> PluginDirectory.watch(host, dir.resolve("missing")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist or is not a directory");

    Path open = Files.createDirectory(elsewhere.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> PluginDirectory.watch(host, open))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may be written by every user (rwxrwxrwx)")
        .hasMessageContaining("chmod o-w");

    deploy("adder.wasm", V1); // the host still serves
    assertThat(version(watch().plugin("adder"))).isEqualTo(1);
  }

  @Test
  void badArguments_areRefusedWithTheirName() {
    PluginDirectory d = watch();
    assertThatThrownBy(() -> d.plugin("Bad Name")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Bad Name' cannot be the id");
    assertThatThrownBy(() -> d.start("absent")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no plugin 'absent'");
    assertThatThrownBy(() -> PluginDirectory.builder(host, dir).pollInterval(Duration.ZERO))
        .hasMessageContaining("pollInterval must be positive");
    try (PluginHost other = PluginHost.builder().build()) {
      assertThatThrownBy(() -> PluginDirectory.builder(host, dir).tenant(other.tenant("x")).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("belongs to another PluginHost");
    }
  }

  // --- support -----------------------------------------------------------------------------------------------------

  /** Records every event; waits for one that matches. */
  static final class Events implements PluginStateListener {
    private final List<PluginStateEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void stateChanged(PluginStateEvent event) {
      events.add(event);
    }

    List<PluginStateEvent> all() {
      return List.copyOf(events);
    }

    List<PluginStateEvent> of(String id) {
      return events.stream().filter(e -> e.id().equals(id)).toList();
    }

    PluginStateEvent last() {
      return events.get(events.size() - 1);
    }

    /** Waits up to 10 s for an event that matches, among those recorded so far and later ones. */
    PluginStateEvent await(Predicate<PluginStateEvent> matching) throws InterruptedException {
      return await(0, matching);
    }

    /** Waits up to 10 s for an event that matches, among the events from index {@code from} on. */
    PluginStateEvent await(int from, Predicate<PluginStateEvent> matching) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (; ; ) {
        List<PluginStateEvent> all = all();
        Optional<PluginStateEvent> e = all.subList(Math.min(from, all.size()), all.size()).stream()
            .filter(matching).findFirst();
        if (e.isPresent()) {
          return e.get();
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no matching event within 10 s; events: " + all);
        }
        Thread.sleep(5);
      }
    }
  }

  /** A key-value store with nothing in it, for the greeter's imports. */
  static final class EmptyStore implements KeyValueStore {
    @Override
    public Optional<String> get(String key) {
      return Optional.empty();
    }

    @Override
    public void put(String key, String value) {}

    @Override
    public List<Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return delta;
    }
  }
}
