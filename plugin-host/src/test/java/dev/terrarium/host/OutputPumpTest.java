package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A guest's output to a stream that can block goes through a pump: writes are buffered and written by the pump's
 * thread, yet everything a call wrote is in the stream when the call returns, in order, and a failing stream is
 * reported to the guest.
 */
class OutputPumpTest {
  /** A stream that records what it receives, from which thread, and can fail after a number of bytes. */
  static final class Recording extends OutputStream {
    final StringBuilder text = new StringBuilder();
    final CopyOnWriteArrayList<Thread> writers = new CopyOnWriteArrayList<>();
    final long failAfter;
    long written;

    Recording(long failAfter) {
      this.failAfter = failAfter;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      if (written + len > failAfter) {
        throw new IOException("Broken pipe");
      }
      writers.addIfAbsent(Thread.currentThread());
      text.append(new String(b, off, len, StandardCharsets.UTF_8));
      written += len;
    }

    synchronized String text() {
      return text.toString();
    }
  }

  private static String lines(int count) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < count; i++) {
      b.append("line ").append(i).append('\n');
    }
    return b.toString();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void everythingACallWrote_isInTheStreamWhenItReturns_inOrder_fromThePumpsThread(ExecutionMode mode) {
    String input = lines(20_000);
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      for (int round = 0; round < 3; round++) {
        Recording out = new Recording(Long.MAX_VALUE);
        try (PluginInstance i =
            echo.instantiate(
                InstanceOptions.builder()
                    .stdin(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)))
                    .stdout(out)
                    .build())) {
          assertThat(i.run()).isZero();
          assertThat(out.text()).isEqualTo(input); // complete as soon as run() returns
        }
        assertThat(out.writers).doesNotContain(Thread.currentThread()).hasSize(1);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aStreamThatFails_isReportedToTheGuest_andTheHostCarriesOn(ExecutionMode mode) {
    String input = lines(20_000);
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      Recording out = new Recording(1_000);
      Recording err = new Recording(Long.MAX_VALUE);
      try (PluginInstance i =
          echo.instantiate(
              InstanceOptions.builder()
                  .stdin(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)))
                  .stdout(out)
                  .stderr(err)
                  .build())) {
        // echo-shell reports a write error on stderr and exits with 1
        assertThat(i.run()).isEqualTo(1);
      }
      // what reached the stream is whole lines of the input (the chunk that failed is lost, as on a broken pipe)
      assertThat(out.text().length()).isLessThanOrEqualTo(1_000);
      assertThat(out.text().lines()).allMatch(l -> l.matches("line \\d+"));
      assertThat(err.text()).startsWith("echo-shell: ");
      Fixtures.assertHealthy(host);
    }
  }
}
