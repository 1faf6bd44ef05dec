package dev.terrarium.host.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import run.endive.runtime.Instance;

/** Stored classes are defined when first used: a load from the cache does not link and verify them all. */
class StoredClassesTest {
  private static final byte[] KERNELS = SamplePlugins.bytes("kernels.wasm");

  private static ParsedModule parsed() {
    return Engine.parse("kernels", KERNELS, PluginHost.sha256(KERNELS));
  }

  private static long fib(EngineArtifact artifact, int n) {
    Instance instance = Instance.builder(artifact.module).withMachineFactory(artifact.machineFactory).build();
    return instance.export("fib").apply(n)[0];
  }

  @Test
  void restoredClasses_runAsCompiled_andAClassNoCallNeedsIsNeverDefined() {
    ParsedModule module = parsed();
    Compilation compiled =
        module.compile("kernels", ExecutionMode.COMPILER, module.description(), false, false, true, false);
    ClassBytes.Jar jar = ClassBytes.read(compiled.classJar());
    assertThat(jar.classes()).containsKey(jar.mainClass());

    // A class file that is not a class: Endive's own loader defines every class of the jar at once and fails.
    Map<String, byte[]> withJunk = new LinkedHashMap<>(jar.classes());
    withJunk.put("run.endive.$gen.NeverUsed", new byte[] {1, 2, 3, 4});
    byte[] junk = ClassBytes.jar(jar.mainClass(), withJunk);

    EngineArtifact restored = parsed().restore(module.description(), false, false, junk, compiled.classBytes());
    assertThat(fib(restored, 20)).isEqualTo(fib(compiled.artifact(), 20)).isEqualTo(6765);
  }

  @Test
  void instancesMadeOnManyThreadsAtOnce_defineEachClassOnce_andComputeAlike() throws Exception {
    ParsedModule module = parsed();
    Compilation compiled =
        module.compile("kernels", ExecutionMode.COMPILER, module.description(), false, false, true, false);
    EngineArtifact restored =
        parsed().restore(module.description(), false, false, compiled.classJar(), compiled.classBytes());
    int threads = 8;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<Long>> results = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  start.await(); // every thread defines the classes it needs at the same moment
                  return fib(restored, 25);
                }));
      }
      for (var r : results) {
        assertThat(r.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(75025);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void storedClassesWithoutTheirMainClass_areRefused() {
    ParsedModule module = parsed();
    Compilation compiled =
        module.compile("kernels", ExecutionMode.COMPILER, module.description(), false, false, true, false);
    ClassBytes.Jar jar = ClassBytes.read(compiled.classJar());
    Map<String, byte[]> withoutMain = new LinkedHashMap<>(jar.classes());
    withoutMain.remove(jar.mainClass());
    byte[] broken = ClassBytes.jar(jar.mainClass(), withoutMain);
    assertThatThrownBy(() -> parsed().restore(module.description(), false, false, broken, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("main class");
  }
}
