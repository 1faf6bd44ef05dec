package dev.terrarium.host.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.CostModel;
import dev.terrarium.host.metering.FuelRewriter;
import dev.terrarium.host.metering.FunctionSplitter;
import dev.terrarium.samples.SamplePlugins;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.internal.ClassLoadingCollector;
import run.endive.compiler.internal.Compiler;
import run.endive.compiler.internal.CompilerResult;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.ExternalType;

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

  /** The largest method compiled from one of the module's functions, as Terrarium compiles it. */
  private static int largestMethod(byte[] bytes, boolean metered) throws Exception {
    WasmModule module = Parser.parse(bytes);
    Iterable<byte[]> classes;
    if (metered) {
      int counter = module.importSection().count(ExternalType.GLOBAL) + module.globalSection().globals().length - 1;
      FuelField.Compiled compiled = FuelField.compileMeasured(module, counter);
      assertThat(compiled).isNotNull();
      classes = compiled.classes();
    } else {
      CompilerResult result =
          Compiler.builder(module)
              .withInterpreterFallback(InterpreterFallback.SILENT)
              .withClassCollectorFactory(ClassLoadingCollector::new)
              .build()
              .compile();
      classes = ((ClassLoadingCollector) result.collector()).classBytes().values();
    }
    int largest = 0;
    for (byte[] classFile : classes) {
      List<HugeMethods.Method> methods = HugeMethods.methods(classFile);
      for (HugeMethods.Method m : methods) {
        if (m.name().startsWith("func_")) {
          largest = Math.max(largest, m.codeLength());
        }
      }
    }
    return largest;
  }
}
