package dev.terrarium.host.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.samples.SamplePlugins;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fuel counter as a field of the compiled machine (FuelField): used when it can be, and charging the same. */
class FuelFieldTest {
  private static final byte[] KERNELS = SamplePlugins.bytes("kernels.wasm");

  private static EngineArtifact compileMetered(byte[] module, CostModel model) {
    ParsedModule original = Engine.parse("kernels", module, PluginHost.sha256(module));
    byte[] metered = FuelRewriter.rewrite(module, model);
    return Engine.parse("kernels", metered, PluginHost.sha256(module))
        .compileMetered("kernels", ExecutionMode.COMPILER, original.description());
  }

  @ParameterizedTest
  @EnumSource(CostModel.Accounting.class)
  void aMeteredModule_compiledWithTheCounterInItsMachine(CostModel.Accounting accounting) {
    EngineArtifact artifact = compileMetered(KERNELS, CostModel.builder().accounting(accounting).build());
    assertThat(artifact.fuelInMachine).isTrue();
    assertThat(artifact.machineFactory).isNotNull();
  }

  @Test
  void aJarWithoutAMachineClass_isLeftAlone() {
    assertThat(FuelField.rewriteJar(emptyJar(), 0)).isNull();
  }

  private static byte[] emptyJar() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(out)) {
      jar.putNextEntry(new java.util.jar.JarEntry("wasm-module.properties"));
      jar.closeEntry();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The kernels charge the same fuel with the counter in the machine (compiler) as in a global (interpreter). */
  @ParameterizedTest
  @EnumSource(CostModel.Accounting.class)
  void theKernelsChargeTheSameFuelUnderBothEngines(CostModel.Accounting accounting) {
    List<List<Long>> byMode = new ArrayList<>();
    for (ExecutionMode mode : ExecutionMode.values()) {
      List<Long> fuel = new ArrayList<>();
      try (PluginHost host =
          PluginHost.builder()
              .executionMode(mode)
              .meterFuel(CostModel.builder().accounting(accounting).build())
              .fuelSlice(100_000) // many refuels inside each kernel
              .build()) {
        Tenant t = host.tenant("t", FuelPolicy.unlimited());
        try (PluginInstance i = host.load(KERNELS).instantiate(t, InstanceOptions.defaults())) {
          assertThat(i.call("fib", 20)).containsExactly(6765);
          fuel.add(i.lastCallFuel());
          assertThat(i.call("sieve", 100_000)).containsExactly(9592);
          fuel.add(i.lastCallFuel());
          assertThat(i.call("quicksort", 20_000)).hasSize(1);
          fuel.add(i.lastCallFuel());
        }
        fuel.add(t.used());
      }
      byMode.add(fuel);
    }
    assertThat(byMode.get(0)).allMatch(f -> f > 0).isEqualTo(byMode.get(1));
  }

  @Test
  void theMachineHoldsTheCounter_andTheGlobalIsNotUsed() {
    try (PluginHost host = PluginHost.builder().meterFuel().build()) {
      Tenant t = host.tenant("t", FuelPolicy.unlimited());
      try (PluginInstance i = host.load(KERNELS).instantiate(t, InstanceOptions.defaults())) {
        i.call("fib", 15);
        EngineInstance engine = engineOf(i);
        assertThat(engine.fuelState().machineCounter).isInstanceOf(AtomicLong.class);
        assertThat(engine.fuelState().counter).isNull();
        assertThat(i.lastCallFuel()).isPositive();
      }
    }
  }

  /**
   * A metered module loaded from a cache directory (its rewritten classes, not compiled again) keeps the counter in
   * its machine and charges exactly what the compiled one charged.
   */
  @Test
  void aModuleLoadedFromTheCacheDirectory_keepsTheCounterInItsMachine_andChargesTheSame(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path temp) {
    List<List<Long>> runs = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      ModuleCache cache =
          ModuleCache.builder().directory(temp.resolve("cache")).keyFile(temp.resolve("cache.key")).build();
      try (PluginHost host = PluginHost.builder().moduleCache(cache).meterFuel().fuelSlice(100_000).build()) {
        Tenant t = host.tenant("t", FuelPolicy.unlimited());
        List<Long> fuel = new ArrayList<>();
        try (PluginInstance i = host.load(KERNELS).instantiate(t, InstanceOptions.defaults())) {
          assertThat(i.call("fib", 20)).containsExactly(6765);
          fuel.add(i.lastCallFuel());
          assertThat(i.call("sieve", 100_000)).containsExactly(9592);
          fuel.add(i.lastCallFuel());
          EngineInstance engine = engineOf(i);
          assertThat(engine.fuelState().machineCounter).isInstanceOf(AtomicLong.class);
          assertThat(engine.fuelState().counter).isNull();
        }
        fuel.add(t.used());
        runs.add(fuel);
        assertThat(cache.stats().diskHits()).as("round %d", round).isEqualTo(round);
        assertThat(cache.stats().compilations()).as("round %d", round).isEqualTo(1 - round);
      }
    }
    assertThat(runs.get(1)).allMatch(f -> f > 0).isEqualTo(runs.get(0));
  }

  private static EngineInstance engineOf(PluginInstance instance) {
    try {
      var field = PluginInstance.class.getDeclaredField("engine");
      field.setAccessible(true);
      return (EngineInstance) field.get(instance);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
