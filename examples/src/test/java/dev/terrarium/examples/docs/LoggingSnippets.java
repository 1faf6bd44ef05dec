package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.InstanceOptions;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The code of docs/logging.md, compiled. */
class LoggingSnippets {
  @Test
  void stderrChoices() {
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    // snippet: stderr
    InstanceOptions logged = InstanceOptions.defaults();                        // to dev.terrarium.plugin.ID
    InstanceOptions captured = InstanceOptions.builder().stderr(errors).build(); // to your stream
    InstanceOptions dropped = InstanceOptions.builder().discardStderr().build(); // nowhere
    // end snippet: stderr
    assertThat(captured.stderr()).isSameAs(errors);
    assertThat(logged.stderr()).isNotSameAs(dropped.stderr());
  }
}
