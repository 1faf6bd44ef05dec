package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.host.metering.CostModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Precompiled plugins (issue 13): compiled and signed once, loaded by hosts of the same configuration that trust
 * the signer, without compiling; anything else is one clear LOAD_PRECOMPILED error and the host carries on.
 */
class PrecompiledTest {
  private static final byte[] KERNELS = Fixtures.bytes("kernels.wasm");
  private static final KeyPair SIGNER = keyPair();
  private static final KeyPair STRANGER = keyPair();

  @TempDir Path temp;

  private static KeyPair keyPair() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static PluginHost host(UnaryOperator<PluginHost.Builder> configure) {
    return configure
        .apply(PluginHost.builder().moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT)))
        .build();
  }

  private static byte[] precompile(byte[] module, UnaryOperator<PluginHost.Builder> configure) {
    try (PluginHost host = host(configure)) {
      return host.precompile(module, SIGNER);
    }
  }

  private static List<String> runKernels(PluginHost host, Plugin plugin) {
    Tenant t = host.tenant("t", FuelPolicy.unlimited());
    List<String> out = new ArrayList<>();
    try (PluginInstance i =
        host.metersFuel() ? plugin.instantiate(t, InstanceOptions.defaults()) : plugin.instantiate()) {
      out.add(java.util.Arrays.toString(i.call("fib", 20)) + " fuel=" + i.lastCallFuel());
      out.add(java.util.Arrays.toString(i.call("sieve", 100_000)) + " fuel=" + i.lastCallFuel());
      out.add(java.util.Arrays.toString(i.call("quicksort", 20_000)) + " fuel=" + i.lastCallFuel());
    }
    return out;
  }

  @Test
  void aPrecompiledMeteredPlugin_loadsWithoutCompiling_andComputesAndChargesTheSame() throws Exception {
    byte[] artifact = precompile(KERNELS, PluginHost.Builder::meterFuel);
    assertThat(artifact).isNotEqualTo(KERNELS);
    Path file = Files.write(temp.resolve("kernels.twasm"), artifact);

    List<String> reference;
    try (PluginHost host = host(PluginHost.Builder::meterFuel)) {
      reference = runKernels(host, host.load(KERNELS));
    }
    try (PluginHost host = host(b -> b.meterFuel().trustPrecompiled(SIGNER.getPublic()))) {
      Plugin fromBytes = host.load(artifact);
      Plugin fromFile = host.load(file);
      assertThat(host.cacheStats().compilations()).as("nothing compiled").isZero();
      assertThat(fromBytes.compiled()).isTrue();
      assertThat(fromBytes.artifact().fuelInMachine()).isTrue();
      assertThat(fromBytes.sha256()).isEqualTo(PluginHost.sha256(KERNELS));
      assertThat(fromFile.id()).isEqualTo("kernels");
      assertThat(runKernels(host, fromBytes)).isEqualTo(reference).allMatch(l -> !l.endsWith("fuel=0"));
      assertThat(runKernels(host, fromFile)).isEqualTo(reference);
    }
  }

  @Test
  void aPrecompiledPluginWithAFunctionLeftToTheInterpreter_runsItFromItsBody() {
    // The load parses only the bodies its classes do not replace (here: big, too large for a JVM method); a tail
    // call from an interpreted function makes it keep them all.
    for (boolean tail : new boolean[] {false, true}) {
      byte[] module = PersistentCacheTest.hugeFunctionModule(temp, tail);
      byte[] artifact = precompile(module, b -> b);
      try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
        assertThat(PersistentCacheTest.hugeCalls(host, artifact))
            .containsExactly(tail ? 80_010L : 40_005L, 10L, 10L);
        assertThat(host.cacheStats().compilations()).as("nothing compiled").isZero();
        assertHealthy(host);
      }
    }
  }

  @Test
  void aPrecompiledFile_usesTheManifestOfItsModuleBesideIt() throws Exception {
    byte[] add = Fixtures.fixture("add");
    Path file = Files.write(temp.resolve("adder.twasm"), precompile(add, b -> b));
    assertThat(PluginHost.besideManifest(file)).isEqualTo(temp.resolve("adder.manifest.json"));
    try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
      assertThat(host.load(file).id()).as("named after the file without .twasm").isEqualTo("adder");
      Files.writeString(temp.resolve("adder.manifest.json"), "{\"id\": \"summer\", \"version\": \"2.0.0\"}");
      Plugin p = host.load(file);
      assertThat(p.id()).isEqualTo("summer");
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.call("add", 2, 3)).containsExactly(5);
      }
    }
  }

  @Test
  void anUnmeteredPrecompiledPlugin_roundTrips() {
    byte[] artifact = precompile(KERNELS, b -> b);
    try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
      List<String> r = runKernels(host, host.load(artifact));
      assertThat(r.get(0)).startsWith("[6765]");
      assertThat(host.cacheStats().compilations()).isZero();
      assertHealthy(host);
    }
  }

  private static void assertRefused(PluginHost host, byte[] artifact, String... fragments) {
    assertThatThrownBy(() -> host.load(artifact))
        .isInstanceOfSatisfying(
            PluginLoadException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOAD_PRECOMPILED))
        .hasMessageStartingWith("[Terrarium/LOAD_PRECOMPILED]")
        .hasMessageContainingAll(fragments);
    healthy(host);
  }

  /** The host still loads and runs a good plugin (for a tenant when it meters). */
  private static void healthy(PluginHost host) {
    if (!host.metersFuel()) {
      assertHealthy(host);
      return;
    }
    Plugin good = host.load(Fixtures.fixture("add"), Fixtures.manifest("good-add"));
    try (PluginInstance i = good.instantiate(host.tenant("healthy", FuelPolicy.unlimited()), InstanceOptions.defaults())) {
      assertThat(i.call("add", 40, 2)).containsExactly(42);
    }
  }

  @Test
  void aTamperedPlugin_isRefused_andTheHostCarriesOn() {
    byte[] artifact = precompile(KERNELS, b -> b);
    byte[] tampered = artifact.clone();
    tampered[tampered.length / 2] ^= 1; // inside the compiled classes
    try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, tampered, "changed after it was signed");
      assertThat(host.cacheStats().compilations()).as("only the health check's").isEqualTo(1);
    }
  }

  @Test
  void aPluginSignedByAnUntrustedKey_isRefused_namingTheKey() {
    byte[] artifact = precompile(KERNELS, b -> b);
    try (PluginHost host = host(b -> b.trustPrecompiled(STRANGER.getPublic()))) {
      assertRefused(
          host,
          artifact,
          "signed by a key this host does not trust",
          dev.terrarium.host.cache.Precompiled.fingerprint(SIGNER.getPublic().getEncoded()),
          "trustPrecompiled");
    }
  }

  @Test
  void anUnsignedPlugin_isRefused() {
    byte[] artifact = precompile(KERNELS, b -> b);
    int magic = "terrarium-precompiled-1\n".length();
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(artifact, magic, artifact.length - magic);
    int bodyLength = in.getInt();
    java.nio.ByteBuffer unsigned = java.nio.ByteBuffer.allocate(magic + 4 + bodyLength + 8);
    unsigned.put(artifact, 0, magic + 4 + bodyLength).putInt(0).putInt(0); // no key, no signature
    try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, unsigned.array(), "it is not signed");
    }
  }

  @Test
  void aTruncatedPlugin_isRefused() {
    byte[] artifact = precompile(KERNELS, b -> b);
    try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, java.util.Arrays.copyOf(artifact, artifact.length - 10), "truncated or damaged");
      assertRefused(host, java.util.Arrays.copyOf(artifact, 30), "truncated or damaged");
    }
  }

  @Test
  void aMeteredPlugin_onAHostThatDoesNotMeter_isOneClearError() {
    byte[] artifact = precompile(KERNELS, PluginHost.Builder::meterFuel);
    try (PluginHost host = host(b -> b.trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(
          host,
          artifact,
          "does not match this host",
          "it was compiled for fuel metering " + CostModel.defaults().key() + ", but this host does not meter");
    }
  }

  @Test
  void configurationMismatches_areNamed() {
    byte[] unmetered = precompile(KERNELS, b -> b);
    try (PluginHost host = host(b -> b.meterFuel().trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, unmetered, "compiled without fuel metering, but this host meters fuel");
    }
    try (PluginHost host = host(b -> b.canonicalizeNaNs().trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, unmetered, "compiled without NaN canonicalisation, but this host canonicalises");
    }
    try (PluginHost host =
        host(b -> b.executionMode(ExecutionMode.INTERPRETER).trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, unmetered, "compiled for execution mode COMPILER, but this host runs INTERPRETER");
    }
    byte[] exact = precompile(KERNELS, PluginHost.Builder::meterFuel);
    try (PluginHost host = host(b -> b.meterFuel(CostModel.builder().accounting(CostModel.Accounting.FAST).build())
        .trustPrecompiled(SIGNER.getPublic()))) {
      assertRefused(host, exact, "but this host meters with");
    }
  }

  @Test
  void anEngineVersionMismatch_isNamed() {
    ModuleCache.Key key =
        new ModuleCache.Key("ab", "terrarium-9", "endive-0.9", ExecutionMode.COMPILER, "unmetered", false, false);
    ModuleCache.Key ours =
        new ModuleCache.Key("ab", "terrarium-9", "endive-1.0.0", ExecutionMode.COMPILER, "unmetered", false, false);
    assertThat(ModuleCache.differences(ModuleCache.keyText(key), ours))
        .containsExactly("it was compiled for the engine endive-0.9, but this host runs endive-1.0.0");
    assertThat(ModuleCache.differences(ModuleCache.keyText(ours), ours)).isEmpty();
  }

  @Test
  void inspect_describesThePrecompiledPluginsModule_andRefusesADamagedOne() {
    byte[] artifact = precompile(KERNELS, b -> b);
    assertThat(PluginHost.inspect(artifact)).isEqualTo(PluginHost.inspect(KERNELS));
    assertThatThrownBy(() -> PluginHost.inspect(java.util.Arrays.copyOf(artifact, 40)))
        .isInstanceOfSatisfying(
            PluginLoadException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOAD_PRECOMPILED));
  }

  @Test
  void theInterpreter_hasNothingToPrecompile() {
    try (PluginHost host = host(b -> b.executionMode(ExecutionMode.INTERPRETER))) {
      assertThatThrownBy(() -> host.precompile(KERNELS, SIGNER))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("nothing to precompile");
    }
  }

  @Test
  void precompilingAMalformedModule_failsAsLoadingItWould() {
    try (PluginHost host = host(b -> b)) {
      assertThatThrownBy(() -> host.precompile(new byte[] {0, 'a', 's', 'm', 1}, SIGNER))
          .isInstanceOf(dev.terrarium.api.MalformedModuleException.class);
    }
  }
}
