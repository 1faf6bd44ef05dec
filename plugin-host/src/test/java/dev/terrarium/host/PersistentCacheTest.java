package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.cache.DiskStore;
import dev.terrarium.host.cache.StoredModule;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent compiled-module cache (issue 13): what one process compiled, another loads without compiling, with
 * the same behaviour; entries that are corrupt, foreign or for another key are compiled again.
 */
class PersistentCacheTest {
  private static final byte[] KERNELS = Fixtures.bytes("kernels.wasm");

  @TempDir Path temp;
  private Path dir;
  private Path key;
  @BeforeEach
  void setUp() {
    dir = temp.resolve("cache");
    key = temp.resolve("config/cache.key");
  }

  private ModuleCache diskCache() {
    return ModuleCache.builder().directory(dir).keyFile(key).build();
  }

  private static byte[] fresh(byte[] module) {
    return SharedModuleCacheTest.variant(module, UUID.randomUUID().toString().substring(0, 8));
  }

  /** What a module computes and charges, loaded through {@code cache}. */
  private static List<String> kernelsRun(ModuleCache cache, byte[] module, boolean metered) {
    PluginHost.Builder b = PluginHost.builder().moduleCache(cache);
    if (metered) {
      b.meterFuel();
    }
    List<String> out = new ArrayList<>();
    try (PluginHost host = b.build()) {
      Plugin plugin = host.load(module, manifest("k"));
      Tenant t = host.tenant("t", FuelPolicy.unlimited());
      try (PluginInstance i = metered ? plugin.instantiate(t, InstanceOptions.defaults()) : plugin.instantiate()) {
        for (Object[] c : new Object[][] {{"fib", 20L}, {"sieve", 100_000L}, {"quicksort", 20_000L}}) {
          long[] r = i.call((String) c[0], (Long) c[1]);
          out.add("call " + c[0] + "(" + c[1] + ") = " + java.util.Arrays.toString(r) + " fuel=" + i.lastCallFuel());
        }
      }
      out.add("tenant used=" + t.used());
      if (!metered) {
        assertHealthy(host);
      }
    }
    return out;
  }

  // ---- a second process ----

  private record Child(int exit, List<String> out, String err) {
    String stats() {
      return out.stream().filter(l -> l.startsWith("stats ")).findFirst().orElseThrow(() -> new AssertionError(this));
    }

    List<String> calls() {
      return out.stream().filter(l -> l.startsWith("call ") || l.startsWith("tenant ")).toList();
    }
  }

  private static String testClasspath() {
    return Stream.of(System.getProperty("java.class.path"), System.getProperty("jdk.module.path"))
        .filter(s -> s != null && !s.isBlank())
        .collect(Collectors.joining(File.pathSeparator));
  }

  private record Started(Process process, Path err) {}

  private final java.util.concurrent.atomic.AtomicInteger children = new java.util.concurrent.atomic.AtomicInteger();

  private Started startChild(Path module, String metering, String... more) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(testClasspath());
    cmd.add(DiskCacheChild.class.getName());
    cmd.add(dir.toString());
    cmd.add(key.toString());
    cmd.add(module.toString());
    cmd.add(metering);
    cmd.addAll(List.of(more));
    Path err = temp.resolve("child-" + children.incrementAndGet() + ".err");
    return new Started(new ProcessBuilder(cmd).redirectError(err.toFile()).start(), err);
  }

  private static Child finish(Started s) throws Exception {
    String out = new String(s.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(s.process().waitFor(180, TimeUnit.SECONDS)).as("the child process ended").isTrue();
    return new Child(s.process().exitValue(), out.lines().toList(), Files.readString(s.err()));
  }

  private Child child(Path module, String metering, String... more) throws Exception {
    Child c = finish(startChild(module, metering, more));
    assertThat(c.exit()).as("child exit; output %s %s", c.out(), c.err()).isZero();
    return c;
  }

  private Path write(String name, byte[] module) throws IOException {
    Path file = temp.resolve(name);
    Files.write(file, module);
    return file;
  }

  @Test
  void aSecondProcess_loadsTheMeteredModuleFromDisk_withoutCompiling_andComputesAndChargesTheSame() throws Exception {
    byte[] module = fresh(KERNELS);
    Path file = write("kernels.wasm", module);

    Child first = child(file, "metered", "kernels");
    assertThat(first.stats()).isEqualTo("stats compilations=1 diskHits=0 diskWrites=1");
    Child second = child(file, "metered", "kernels");
    assertThat(second.stats()).as("the second process compiled nothing").isEqualTo(
        "stats compilations=0 diskHits=1 diskWrites=0");
    assertThat(second.out()).contains("artifact compiled=true fuelInMachine=true");
    assertThat(second.err()).doesNotContain("WARNING");

    List<String> reference = kernelsRun(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT), module, true);
    assertThat(reference).hasSize(4).allMatch(l -> !l.contains("fuel=0"));
    assertThat(first.calls()).isEqualTo(reference);
    assertThat(second.calls()).as("results and fuel of the disk-loaded module").isEqualTo(reference);
  }

  @Test
  void aSecondProcess_loadsAnUnmeteredModuleFromDisk() throws Exception {
    byte[] module = fresh(KERNELS);
    Path file = write("kernels.wasm", module);
    assertThat(child(file, "plain", "kernels").stats()).isEqualTo("stats compilations=1 diskHits=0 diskWrites=1");
    Child second = child(file, "plain", "kernels");
    assertThat(second.stats()).isEqualTo("stats compilations=0 diskHits=1 diskWrites=0");
    assertThat(second.calls()).isEqualTo(kernelsRun(ModuleCache.create(1 << 30), module, false));
  }

  @Test
  void twoProcessesWritingTheSameEntryAtOnce_bothSucceed_andTheEntryServesAThird() throws Exception {
    byte[] module = fresh(Fixtures.bytes("wasi-check-rust.wasm"));
    Path file = write("big.wasm", module);
    Started a = startChild(file, "metered");
    Started b = startChild(file, "metered");
    Child ca = finish(a);
    Child cb = finish(b);
    assertThat(ca.exit()).as("first writer %s %s", ca.out(), ca.err()).isZero();
    assertThat(cb.exit()).as("second writer %s %s", cb.out(), cb.err()).isZero();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .as("one entry, no temporary files left")
          .hasSize(1)
          .allMatch(n -> n.endsWith(".entry"));
    }
    assertThat(child(file, "metered").stats()).isEqualTo("stats compilations=0 diskHits=1 diskWrites=0");
  }

  // ---- bad entries, through the host ----

  private Path onlyEntry() throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  private static long[] add(PluginHost host, byte[] module) {
    try (PluginInstance i = host.load(module, manifest("add")).instantiate()) {
      return i.call("add", 2, 40);
    }
  }

  @Test
  void aCorruptEntry_isIgnoredWithAWarning_compiledAgain_andRewritten() throws Exception {
    byte[] module = fresh(KERNELS);
    Path file = write("kernels.wasm", module);
    List<String> first = child(file, "plain", "kernels").calls();
    Path entry = onlyEntry();
    byte[] bytes = Files.readAllBytes(entry);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(entry, bytes);

    Child again = child(file, "plain", "kernels");
    assertThat(again.stats()).isEqualTo("stats compilations=1 diskHits=0 diskWrites=1");
    assertThat(again.calls()).isEqualTo(first);
    assertThat(again.err()).contains("WARNING").contains(entry.toString()).contains("not authentic");
    assertThat(child(file, "plain", "kernels").stats())
        .as("the rewritten entry is good")
        .isEqualTo("stats compilations=0 diskHits=1 diskWrites=0");
  }

  @Test
  void aTruncatedEntry_isCompiledAgain() throws Exception {
    byte[] module = fresh(Fixtures.fixture("add"));
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      add(host, module);
    }
    Path entry = onlyEntry();
    byte[] bytes = Files.readAllBytes(entry);
    Files.write(entry, java.util.Arrays.copyOf(bytes, bytes.length / 3));
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      assertThat(add(host, module)).containsExactly(42);
      assertThat(host.cacheStats().compilations()).isEqualTo(1);
      assertHealthy(host);
    }
  }

  /** Echoes through a metered greeter-c loaded through {@code cache}: the echo, its fuel, and the host's stats. */
  private static List<Object> meteredEcho(ModuleCache cache, byte[] module) {
    return meteredEcho(cache, module, dev.terrarium.host.metering.CostModel.defaults());
  }

  private static List<Object> meteredEcho(
      ModuleCache cache, byte[] module, dev.terrarium.host.metering.CostModel model) {
    try (PluginHost host =
        PluginHost.builder()
            .moduleCache(cache)
            .meterFuel(model)
            .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, new TypedBindingsTest.MemoryStore())
            .build();
        PluginInstance i =
            host.load(module).instantiate(host.tenant("t", FuelPolicy.unlimited()),
                InstanceOptions.defaults())) {
      String echoed = i.exports(dev.terrarium.samples.abi.Greeter.class).echo("x".repeat(1024));
      return List.of(echoed.length(), i.lastCallFuel(), host.cacheStats().compilations(), host.cacheStats().diskHits());
    }
  }

  @Test
  void aMeteredModuleWhoseFunctionsWereSplit_isStoredAndLoadedBack_andChargesTheSame() {
    // greeter-c's metered malloc and free are split (FunctionSplitter): the entry keeps the split module
    byte[] module = fresh(Fixtures.bytes("greeter-c.wasm"));
    List<Object> first = meteredEcho(diskCache(), module);
    List<Object> second = meteredEcho(diskCache(), module);
    assertThat(first.subList(2, 4)).as("compiled, not loaded").containsExactly(1L, 0L);
    assertThat(second.subList(2, 4)).as("loaded from disk, not compiled").containsExactly(0L, 1L);
    assertThat(second.subList(0, 2)).as("the echo and its fuel").isEqualTo(first.subList(0, 2));
    assertThat((long) first.get(1)).isPositive();
  }

  @Test
  void underFastAccounting_aModuleLoadedFromDisk_chargesWhatTheCompiledOneCharges_andWhatExactCharges() {
    // FAST keeps the counter in locals, refunds forward exits and leaves call-heavy functions on the global: its
    // stored classes must charge as the freshly compiled ones do, and a returning call as under EXACT.
    byte[] module = fresh(Fixtures.bytes("greeter-rust.wasm"));
    dev.terrarium.host.metering.CostModel fast =
        dev.terrarium.host.metering.CostModel.builder()
            .accounting(dev.terrarium.host.metering.CostModel.Accounting.FAST)
            .build();
    List<Object> first = meteredEcho(diskCache(), module, fast);
    List<Object> second = meteredEcho(diskCache(), module, fast);
    assertThat(first.subList(2, 4)).as("compiled, not loaded").containsExactly(1L, 0L);
    assertThat(second.subList(2, 4)).as("loaded from disk, not compiled").containsExactly(0L, 1L);
    assertThat(second.subList(0, 2)).as("the echo and its fuel").isEqualTo(first.subList(0, 2));
    assertThat(meteredEcho(ModuleCache.create(1L << 28), module).subList(0, 2)).as("EXACT").isEqualTo(first.subList(0, 2));
  }

  @Test
  void anEntryWrittenUnderAnotherKeyFile_isRefused_andCompiledAgain() throws Exception {
    byte[] module = fresh(Fixtures.fixture("add"));
    ModuleCache theirs = ModuleCache.builder().directory(dir).keyFile(temp.resolve("other/cache.key")).build();
    try (PluginHost host = PluginHost.builder().moduleCache(theirs).build()) {
      add(host, module);
      assertThat(host.cacheStats().diskWrites()).isEqualTo(1);
    }
    Path entry = onlyEntry();
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      assertThat(add(host, module)).containsExactly(42);
      assertThat(host.cacheStats()).extracting(CacheStats::compilations, CacheStats::diskHits)
          .containsExactly(1L, 0L);
      assertHealthy(host);
    }
    assertThat(entry).as("replaced by one of ours").exists();
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      assertThat(add(host, module)).containsExactly(42);
      assertThat(host.cacheStats().diskHits()).isEqualTo(1);
    }
  }

  @Test
  void aDamagedModuleUnderTheNameOfAStoredEntry_isRefusedAsTheFullParseRefusesIt_andTheHostCarriesOn()
      throws Exception {
    // A load that expects its classes from the directory parses the module without its bodies; when even that fails,
    // the module is parsed in full, whose error names the fault, and nothing is compiled or stored.
    byte[] good = fresh(Fixtures.fixture("add"));
    byte[] damaged = java.util.Arrays.copyOf(good, good.length - 3);
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      ModuleCache.Key k = host.cacheKey(PluginHost.sha256(damaged));
      String name = PluginHost.sha256(ModuleCache.keyText(k).getBytes(StandardCharsets.UTF_8));
      DiskStore.open(dir, key).put(name, "an entry that is never read".getBytes(StandardCharsets.UTF_8));
      assertThat(host.cacheStats().compilations()).isZero();

      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> host.load(damaged, manifest("add")));
      Throwable direct;
      try (PluginHost plain = PluginHost.builder().build()) {
        direct = org.assertj.core.api.Assertions.catchThrowable(() -> plain.load(damaged, manifest("add")));
      }
      assertThat(t).isInstanceOf(dev.terrarium.api.MalformedModuleException.class);
      assertThat(t.getMessage()).as("the same error as without the directory").isEqualTo(direct.getMessage());
      assertThat(host.cacheStats()).extracting(CacheStats::compilations, CacheStats::diskHits).containsExactly(0L, 0L);
      assertThat(add(host, good)).containsExactly(42);
      assertHealthy(host);
    }
  }

  @Test
  void anAuthenticEntryThatCannotBeUsed_isDropped_andCompiledAgain() throws Exception {
    byte[] module = fresh(Fixtures.fixture("add"));
    ModuleCache cache = diskCache();
    try (PluginHost host = PluginHost.builder().moduleCache(cache).build()) {
      ModuleCache.Key k = host.cacheKey(PluginHost.sha256(module));
      String name = PluginHost.sha256(ModuleCache.keyText(k).getBytes(StandardCharsets.UTF_8));
      // signed with the right key, but not a compiled module
      DiskStore.open(dir, key).put(name, "not a compiled module".getBytes(StandardCharsets.UTF_8));
      assertThat(add(host, module)).containsExactly(42);
      assertThat(host.cacheStats()).extracting(CacheStats::compilations, CacheStats::diskHits, CacheStats::diskWrites)
          .containsExactly(1L, 0L, 1L);
      assertHealthy(host);
    }
  }

  @Test
  void anEntryFoundUnderTheNameOfAnotherKey_isNotUsedForIt() throws Exception {
    byte[] one = fresh(Fixtures.fixture("add"));
    byte[] two = fresh(Fixtures.fixture("add"));
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      add(host, one);
      ModuleCache.Key k1 = host.cacheKey(PluginHost.sha256(one));
      ModuleCache.Key k2 = host.cacheKey(PluginHost.sha256(two));
      DiskStore store = DiskStore.open(dir, key);
      String n1 = PluginHost.sha256(ModuleCache.keyText(k1).getBytes(StandardCharsets.UTF_8));
      String n2 = PluginHost.sha256(ModuleCache.keyText(k2).getBytes(StandardCharsets.UTF_8));
      store.put(n2, store.get(n1)); // authentic under the name, but it says it is another module's
    }
    try (PluginHost host = PluginHost.builder().moduleCache(diskCache()).build()) {
      assertThat(add(host, two)).containsExactly(42);
      assertThat(host.cacheStats().compilations()).isEqualTo(1);
      assertThat(host.cacheStats().diskHits()).isZero();
    }
  }

  @Test
  void hostsThatCompileDifferently_doNotShareEntries() throws Exception {
    byte[] module = fresh(KERNELS);
    kernelsRun(diskCache(), module, false);
    long before = entries();
    ModuleCache metered = diskCache();
    List<String> run = kernelsRun(metered, module, true);
    assertThat(metered.stats().diskHits()).as("the unmetered entry is not the metered one").isZero();
    assertThat(metered.stats().diskWrites()).isEqualTo(1);
    assertThat(run).noneMatch(l -> l.contains("fuel=0 "));
    assertThat(entries()).isEqualTo(before + 1);
  }

  private long entries() throws IOException {
    try (var files = Files.list(dir)) {
      return files.count();
    }
  }

  @Test
  void theInterpreter_neitherReadsNorWritesTheDirectory() throws Exception {
    ModuleCache cache = diskCache();
    try (PluginHost host =
        PluginHost.builder().moduleCache(cache).executionMode(ExecutionMode.INTERPRETER).build()) {
      assertThat(add(host, fresh(Fixtures.fixture("add")))).containsExactly(42);
    }
    try (var files = Files.list(dir)) {
      assertThat(files.count()).isZero();
    }
  }

  // ---- loading without function bodies ----

  /**
   * A module with a function too large for a JVM method (Endive leaves it to its interpreter), which adds 1 to its
   * argument 40 000 times and then, when {@code tail}, tail-calls {@code small}, else returns; {@code small} doubles,
   * and {@code neighbour} calls {@code small}. Each call gives a new module (a fresh custom section).
   */
  static byte[] hugeFunctionModule(Path temp, boolean tail) {
    StringBuilder wat = new StringBuilder("(module\n (func $small (export \"small\") (param i32) (result i32)\n");
    wat.append("  local.get 0 i32.const 2 i32.mul)\n");
    wat.append(" (func $big (export \"big\") (param i32) (result i32)\n  local.get 0\n");
    for (int i = 0; i < 40_000; i++) {
      wat.append("  i32.const 1 i32.add\n");
    }
    wat.append(tail ? "  return_call $small)\n" : "  )\n");
    wat.append(" (func (export \"neighbour\") (param i32) (result i32) local.get 0 call $small))\n");
    return fresh(dev.terrarium.host.metering.Meter.wat(temp, wat.toString(), "--enable-tail-call"));
  }

  /** big(5), small(5) and neighbour(5) in {@code host}, loaded from {@code module}. */
  static List<Long> hugeCalls(PluginHost host, byte[] module) {
    try (PluginInstance i = host.load(module, manifest("huge")).instantiate()) {
      List<Long> out = new ArrayList<>();
      for (String f : List.of("big", "small", "neighbour")) {
        out.add(i.call(f, 5)[0]);
      }
      return out;
    }
  }

  /** big(5), small(5) and neighbour(5) through {@code cache}, with its compilations and disk hits. */
  private static List<Long> hugeRun(ModuleCache cache, byte[] module) {
    try (PluginHost host = PluginHost.builder().moduleCache(cache).build()) {
      List<Long> out = new ArrayList<>(hugeCalls(host, module));
      out.add(host.cacheStats().compilations());
      out.add(host.cacheStats().diskHits());
      assertHealthy(host);
      return out;
    }
  }

  /** The entry of {@code module} in the directory, decoded (the health check stores its own module too). */
  private StoredModule storedEntry(byte[] module) throws IOException {
    DiskStore store = DiskStore.open(dir, key);
    List<StoredModule> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".entry")).toList()) {
        all.add(StoredModule.decode(store.get(p.getFileName().toString().replace(".entry", ""))));
      }
    }
    String sha256 = "sha256=" + PluginHost.sha256(module) + "\n";
    List<StoredModule> mine = all.stream().filter(m -> m.key().startsWith(sha256)).toList();
    assertThat(mine).hasSize(1);
    return mine.get(0);
  }

  @Test
  void aFunctionLeftToTheInterpreter_isTheOnlyBodyALoadFromDiskParses_andRunsTheSame() throws Exception {
    byte[] module = hugeFunctionModule(temp, false);
    List<Long> compiled = hugeRun(diskCache(), module);
    assertThat(compiled).containsExactly(40_005L, 10L, 10L, 1L, 0L);
    assertThat(storedEntry(module).interpreted()).as("big, and nothing else, is interpreted").containsExactly(1);

    List<Long> loaded = hugeRun(diskCache(), module);
    assertThat(loaded).as("loaded from disk, without compiling").containsExactly(40_005L, 10L, 10L, 0L, 1L);
  }

  @Test
  void anInterpretedFunctionThatTailCalls_keepsEveryBody_andRunsTheSame() throws Exception {
    // Endive's interpreter carries out a tail call by interpreting the callee, compiled or not: small's body is needed.
    byte[] module = hugeFunctionModule(temp, true);
    List<Long> compiled = hugeRun(diskCache(), module);
    assertThat(compiled).containsExactly(80_010L, 10L, 10L, 1L, 0L);
    assertThat(storedEntry(module).interpreted()).as("every body needed").isNull();

    assertThat(hugeRun(diskCache(), module)).containsExactly(80_010L, 10L, 10L, 0L, 1L);
  }

  @Test
  void aModuleLoadedFromDisk_holdsLessThanOneCompiledHere() {
    // Its function bodies are not parsed: the cache weighs what the artifact holds.
    byte[] module = fresh(Fixtures.bytes("sizer.wasm"));
    long[] weights = new long[2];
    for (int round = 0; round < 2; round++) {
      ModuleCache cache = diskCache();
      try (PluginHost host = PluginHost.builder().moduleCache(cache).grants(Grants.builder().allWasi().build()).build()) {
        host.load(module);
        assertThat(cache.stats().diskHits()).isEqualTo(round);
        weights[round] = cache.stats().weightBytes();
      }
    }
    assertThat(weights[1]).isLessThan(weights[0]);
  }

  /** Indicative: the largest sample plugin, compiled cold and then loaded from the directory by a new cache. */
  @Test
  void loadTimes_coldCompileVersusDiskHit() {
    byte[] module = fresh(Fixtures.bytes("wasi-check-rust.wasm"));
    long[] millis = new long[2];
    for (int round = 0; round < 2; round++) {
      ModuleCache cache = diskCache();
      try (PluginHost host =
          PluginHost.builder().moduleCache(cache).grants(Grants.builder().allWasi().build()).build()) {
        long start = System.nanoTime();
        host.load(module);
        millis[round] = (System.nanoTime() - start) / 1_000_000;
        assertThat(cache.stats().diskHits()).isEqualTo(round);
      }
    }
    System.out.printf(
        "wasi-check-rust.wasm (%d bytes): cold compile %d ms, disk hit %d ms%n", module.length, millis[0], millis[1]);
  }

  @Test
  void badCacheOptions_areRefusedClearly_andHostsStillWork(@TempDir Path temp) throws IOException {
    Path dir = temp.resolve("cache");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ModuleCache.builder().directory(dir).keyFile(dir.resolve("cache.key")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be kept outside the cache directory");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ModuleCache.builder().keyFile(temp.resolve("k/cache.key")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a key file was set")
        .hasMessageContaining("but no directory");
    Path open = Files.createDirectories(temp.resolve("open"));
    Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ModuleCache.builder().directory(open).keyFile(temp.resolve("k/cache.key")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(open.toString());
    java.security.KeyPair rsa;
    try {
      rsa = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PluginHost.builder().trustPrecompiled(rsa.getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("precompiled plugins are signed with Ed25519 keys, not RSA");
    // Nothing was left half-made: a cache in a good directory serves a host.
    ModuleCache good = ModuleCache.builder().directory(dir).keyFile(temp.resolve("k/cache.key")).build();
    try (PluginHost host = PluginHost.builder().moduleCache(good).build()) {
      assertHealthy(host);
    }
  }
}
