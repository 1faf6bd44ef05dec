package dev.terrarium.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HelloHostTest {
  @Test
  void hello_reportsWhatTheHostReceivedAndItsState() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int calls = new HelloHost(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(3);
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(calls).isEqualTo(3);
    assertThat(out)
        .contains("host.hello received 3 from plugin 'hello' (host state: call #1, guest memory 65536 bytes)")
        .contains("call #3")
        .contains("loaded Plugin[hello@1.0.0");
  }
}
