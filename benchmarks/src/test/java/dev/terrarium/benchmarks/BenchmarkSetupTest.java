package dev.terrarium.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
  void exportCall() {
    ExportCallBenchmark b = new ExportCallBenchmark();
    b.setUp();
    b.raw();
    assertEquals(0, b.terrarium().length);
    assertEquals(0, b.terrariumWithTimeout().length);
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
}
