package dev.terrarium.host.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.host.metering.FunctionSplitter;
import dev.terrarium.samples.SamplePlugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sample plugins whose metered functions compile to methods above HotSpot's limit compile, once split, to
 * methods below it: the split's estimate of Endive's bytecode holds on real allocators (dlmalloc, Rust's and
 * AssemblyScript's) and on sizer's large parser. AssemblyScript's runtime is also split unmetered, when asked.
 */
class SplitMethodsTest {
  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm", "greeter-as.wasm", "sizer.wasm"})
  void meteredSamplesCompileToMethodsTheJitTakes(String sample) throws Exception {
    byte[] metered = FuelRewriter.rewrite(SamplePlugins.bytes(sample), CostModel.defaults());
    assertThat(largestMethod(metered, true)).as("unsplit").isGreaterThan(HugeMethods.LIMIT);
    byte[] split = FunctionSplitter.split(metered);
    assertThat(split.length).isGreaterThan(metered.length);
    assertThat(largestMethod(split, true)).as("split").isLessThanOrEqualTo(HugeMethods.LIMIT);
  }

  @Test
  void anUnmeteredModuleSplitsTheSameWay() throws Exception {
    byte[] plain = SamplePlugins.bytes("greeter-as.wasm");
    assertThat(largestMethod(plain, false)).as("unsplit").isGreaterThan(HugeMethods.LIMIT);
    assertThat(largestMethod(FunctionSplitter.split(plain), false)).as("split").isLessThanOrEqualTo(HugeMethods.LIMIT);
  }

  @Test
  void modulesWithoutLargeFunctionsAreLeftAsTheyAre() {
    byte[] kernels = SamplePlugins.bytes("kernels.wasm");
    assertThat(FunctionSplitter.split(kernels)).isSameAs(kernels);
    byte[] metered = FuelRewriter.rewrite(kernels, CostModel.defaults());
    assertThat(FunctionSplitter.split(metered)).isSameAs(metered);
  }

  /**
   * The largest method compiled from one of the module's functions, as the host compiles it (through {@link
   * ParsedModule#compile}, which a metered module's counter makes a machine field, with the classes kept).
   */
  private static int largestMethod(byte[] bytes, boolean metered) throws Exception {
    String sha256 =
        java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    ParsedModule parsed = Engine.parse("split", bytes, sha256);
    Compilation compilation =
        parsed.compile("split", ExecutionMode.COMPILER, parsed.description(), metered, true, true, false);
    int largest = 0;
    for (byte[] classFile : ClassBytes.classes(compilation.classJar())) {
      for (HugeMethods.Method m : HugeMethods.methods(classFile)) {
        if (m.name().startsWith("func_")) {
          largest = Math.max(largest, m.codeLength());
        }
      }
    }
    return largest;
  }
}
