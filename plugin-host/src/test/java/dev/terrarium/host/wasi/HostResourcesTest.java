package dev.terrarium.host.wasi;

import static dev.terrarium.host.wasi.Guest.FOLLOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.fs.MemoryFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sizes a guest chooses never make the host allocate or wait in proportion to them. */
@Timeout(60)
class HostResourcesTest {

  @Test
  void hugeCountsAndLengths_failAtOnce() {
    try (Guest g = Guest.with(1 << 20, java.util.List.of())) {
      long start = System.nanoTime();
      assertThat(g.call("fd_write", 1, 0, Integer.MAX_VALUE, 8)).isEqualTo(Errno.FAULT);
      assertThat(g.call("fd_read", 0, 0, Integer.MAX_VALUE, 8)).isIn(Errno.FAULT, Errno.SUCCESS);
      assertThat(g.call("random_get", 0, Integer.MAX_VALUE)).isEqualTo(Errno.FAULT);
      assertThat(g.call("random_get", 0, -1)).isEqualTo(Errno.FAULT);
      assertThat(g.call("poll_oneoff", 0, 0, 4097, 8)).isEqualTo(Errno.INVAL);
      assertThat(g.call("poll_oneoff", 0, 0, Integer.MAX_VALUE, 8)).isEqualTo(Errno.INVAL);
      assertThat(g.call("args_get", Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(Errno.FAULT);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void pollingManyClocks_allocatesOnlyWhatTheCapAllows_andAPastDeadlineDoesNotWait() {
    try (Guest g = Guest.with(1 << 20, java.util.List.of())) {
      int n = 4096;
      for (int i = 0; i < n; i++) {
        int s = 4096 + i * 48;
        g.memory.writeLong(s, i); // userdata
        g.memory.writeByte(s + 8, (byte) 0); // clock
        g.memory.writeInt(s + 16, 1); // monotonic
        g.memory.writeLong(s + 24, i == n - 1 ? 0 : Long.MAX_VALUE); // one due now, the others never
        g.memory.writeLong(s + 40, 0); // relative
      }
      int out = 4096 + n * 48;
      long start = System.nanoTime();
      assertThat(g.call("poll_oneoff", 4096, out, n, 8)).isEqualTo(Errno.SUCCESS);
      assertThat(g.memory.readInt(8)).isEqualTo(1);
      assertThat(g.memory.readLong(out)).isEqualTo(n - 1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void anAbsoluteDeadlineInThePastFiresAtOnce_andOnePast2To63NeverDoes() {
    try (Guest g = Guest.with(1 << 16, java.util.List.of())) {
      for (int i = 0; i < 2; i++) {
        int s = 1024 + i * 48;
        g.memory.writeLong(s, 10 + i); // userdata
        g.memory.writeByte(s + 8, (byte) 0); // clock
        g.memory.writeInt(s + 16, 1); // monotonic
        g.memory.writeLong(s + 24, i == 0 ? 1 : -1); // 1 ns after the origin (long past); 2^64 - 1 (never)
        g.memory.writeLong(s + 40, 1); // SUBSCRIPTION_CLOCK_ABSTIME
      }
      long start = System.nanoTime();
      assertThat(g.call("poll_oneoff", 1024, 2048, 2, 8)).isEqualTo(Errno.SUCCESS);
      assertThat(g.memory.readInt(8)).isEqualTo(1);
      assertThat(g.memory.readLong(2048)).isEqualTo(10);
      assertThat(g.memory.readByte(2048 + 8)).as("errno of the event").isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void theDescriptorTable_isCapped() throws IOException {
    try (MemoryFileSystem fs = MemoryFileSystem.create();
        Guest g = Guest.with(fs.root(), false)) {
      Files.writeString(fs.path("/f"), "x");
      int opened = 0;
      int last;
      while ((last = g.open(3, "f", FOLLOW, 0, Rights.FD_READ, 0)) >= 0) {
        opened++;
      }
      assertThat(Errno.of(-last)).isEqualTo(Errno.MFILE);
      assertThat(opened + 4).as("stdio, the pre-open and the files").isEqualTo(1024);
      assertThat(g.call("fd_close", 10)).isEqualTo(Errno.SUCCESS);
      assertThat(g.open(3, "f", FOLLOW, 0, Rights.FD_READ, 0)).isEqualTo(10);
    }
  }
}
