package dev.terrarium.examples.guice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuiceGreeterTest {
  @Test
  void guiceApplication_greetsThroughTheInjectedPlugin_andCountsTheCalls() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    GuiceGreeter.run(List.of("Ana", "Bo", "Cy"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "Hello, Ana!\nHello, Bo!\nHello, Cy!\n"
                + "terrarium.calls{plugin=greeter-c,function=greet,outcome=success} = 3\n");
  }
}
