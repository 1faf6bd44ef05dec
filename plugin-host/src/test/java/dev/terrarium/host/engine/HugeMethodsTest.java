package dev.terrarium.host.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Greeter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Methods too large for HotSpot's JIT are found in a compiled module's classes and named in one warning. The test
 * JVM runs with HotSpot's defaults (no -XX:-DontCompileHugeMethods), as an application does unless told.
 */
class HugeMethodsTest {
  private final List<LogRecord> records = new ArrayList<>();
  private final Logger logger = Logger.getLogger("dev.terrarium.host");
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          synchronized (records) {
            records.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    logger.addHandler(handler);
  }

  @AfterEach
  void stopListening() {
    logger.removeHandler(handler);
  }

  private List<String> warnings() {
    synchronized (records) {
      return records.stream()
          .filter(r -> r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
          .map(r -> java.text.MessageFormat.format(r.getMessage(), r.getParameters()))
          .toList();
    }
  }

  @Test
  void methods_readsTheBytecodeLengthOfEveryMethodWithCode() throws Exception {
    ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "t/Sized", null, "java/lang/Object", null);
    cw.visitField(Opcodes.ACC_STATIC, "x", "J", null, 7L).visitEnd();
    cw.visitMethod(Opcodes.ACC_ABSTRACT | Opcodes.ACC_PUBLIC, "none", "()V", null, null).visitEnd();
    for (int length : new int[] {1, 9001}) {
      MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "func_" + length, "()V", null, null);
      mv.visitCode();
      for (int i = 0; i < length - 1; i++) {
        mv.visitInsn(Opcodes.NOP);
      }
      mv.visitInsn(Opcodes.RETURN);
      mv.visitMaxs(0, 0);
      mv.visitEnd();
    }
    cw.visitEnd();
    assertThat(HugeMethods.methods(cw.toByteArray()))
        .containsExactly(new HugeMethods.Method("func_1", 1), new HugeMethods.Method("func_9001", 9001));
  }

  /** Echoes through greeter-c on a compiling host, metered or not, with the split of large functions on or off. */
  private static void echoOnGreeterC(boolean metered, boolean split) {
    // greeter-c's malloc compiles to about 7 KB of bytecode; with a fuel charge at each branch target, to more
    // than HotSpot's limit of 8000 bytes, unless the host splits it.
    byte[] greeter = SamplePlugins.bytes("greeter-c.wasm");
    PluginHost.Builder builder =
        PluginHost.builder()
            .executionMode(ExecutionMode.COMPILER)
            .moduleCache(ModuleCache.create(64L << 20))
            .hostImports(dev.terrarium.samples.abi.KeyValueStore.class, new EmptyStore());
    if (metered) {
      builder.meterFuel();
    }
    String before = System.getProperty("terrarium.splitFunctions");
    System.setProperty("terrarium.splitFunctions", String.valueOf(split));
    PluginHost host;
    try {
      host = builder.build(); // reads the property
    } finally {
      if (before == null) {
        System.clearProperty("terrarium.splitFunctions");
      } else {
        System.setProperty("terrarium.splitFunctions", before);
      }
    }
    try (host;
        PluginInstance instance =
            host.load(greeter).instantiate(host.tenant("t", FuelPolicy.unlimited()), InstanceOptions.defaults())) {
      assertThat(instance.exports(Greeter.class).echo("still served")).isEqualTo("still served");
    }
  }

  @Test
  void aMeteredAllocatorTooLargeForTheJit_isSplit_andLoadsWithoutAWarning() {
    echoOnGreeterC(true, true);
    assertThat(warnings()).isEmpty();
  }

  @Test
  void aMeteredAllocatorTooLargeForTheJit_unsplit_isNamedInOneWarning_andThePluginStillRuns() {
    echoOnGreeterC(true, false);
    assertThat(warnings()).hasSize(1);
    assertThat(warnings().get(0))
        .contains("greeter-c")
        .contains("limit of 8000 bytes")
        .contains("the largest, func_")
        .contains("-XX:-DontCompileHugeMethods");
  }

  @Test
  void aModuleWhoseMethodsFitTheJit_loadsWithoutAWarning() {
    try (PluginHost host =
        PluginHost.builder()
            .executionMode(ExecutionMode.COMPILER)
            .meterFuel()
            .moduleCache(ModuleCache.create(64L << 20))
            .build()) {
      host.load(SamplePlugins.bytes("kernels.wasm"));
    }
    assertThat(warnings()).isEmpty();
  }

  /** A key-value store that holds nothing: greeter-c imports one, and echo never calls it. */
  private static final class EmptyStore implements dev.terrarium.samples.abi.KeyValueStore {
    @Override
    public java.util.Optional<String> get(String key) {
      return java.util.Optional.empty();
    }

    @Override
    public void put(String key, String value) {}

    @Override
    public List<dev.terrarium.samples.abi.Entry> scan(String prefix) {
      return List.of();
    }

    @Override
    public long add(int delta) {
      return delta;
    }
  }
}
