package dev.terrarium.examples.precompiled;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.CacheStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The plugin precompiled by the build (examples/pom.xml, process-classes) loads from the class path and runs. */
class PrecompiledHelloTest {
  @Test
  void thePluginPrecompiledAtBuildTime_runsWithoutCompiling() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CacheStats stats = new PrecompiledHello(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("host.hello received 3 from plugin 'hello'")
        .contains("compilations: 0");
    assertThat(stats.compilations()).isZero();
  }
}
