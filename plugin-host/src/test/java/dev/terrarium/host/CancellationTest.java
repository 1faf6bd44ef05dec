package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.CallCancelledException;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.InstanceUnusableException;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLimits;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PluginInstance#cancel()} from another thread ends a call with one typed exception, whatever the guest is
 * doing or waiting on; the guest's thread is free again, the instance refuses calls, and the host is unharmed.
 */
class CancellationTest {
  /** Runs {@code call} on a new thread, waits until the guest is busy, cancels, and returns what the call threw. */
  private static Throwable cancelWhileRunning(PluginInstance instance, Function<PluginInstance, Object> call)
      throws Exception {
    CompletableFuture<Object> result = new CompletableFuture<>();
    AtomicReference<Thread> runner = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              runner.set(Thread.currentThread());
              try {
                result.complete(call.apply(instance));
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            });
    t.start();
    Thread.sleep(300); // the guest is spinning or blocked by now
    assertThat(result).isNotDone();
    assertThat(instance.cancel(Duration.ofSeconds(5))).as("the call ended within the wait").isTrue();
    t.join(5_000);
    assertThat(t.isAlive()).as("the calling thread is free again").isFalse();
    assertThat(t.isInterrupted()).as("the cancel's interrupt does not leak to the caller").isFalse();
    assertThat(result).isCompletedExceptionally();
    return result.handle((v, e) -> e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).get();
  }

  private static void assertCancelled(Throwable thrown, PluginInstance instance) {
    assertCancelled(thrown, instance, "noop");
  }

  private static void assertCancelled(Throwable thrown, PluginInstance instance, String export) {
    assertThat(thrown)
        .isInstanceOfSatisfying(
            CallCancelledException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.CALL_CANCELLED);
              assertThat(e.instanceUsable()).isFalse();
            })
        .hasMessageContaining("the application cancelled it");
    assertThat(instance.usable()).isFalse();
    assertThatThrownBy(() -> instance.call(export))
        .isInstanceOf(InstanceUnusableException.class)
        .hasMessageContaining("was cancelled");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cancel_stopsASpinningGuest(ExecutionMode mode) throws Exception {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin loop = host.load(Fixtures.fixture("loop"), Fixtures.manifest("loop"));
      try (PluginInstance i = loop.instantiate()) {
        assertCancelled(cancelWhileRunning(i, x -> x.call("spin")), i);
      }
      Fixtures.assertHealthy(host);
      try (PluginInstance other = loop.instantiate()) {
        assertThat(other.call("noop")).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cancel_stopsAGuestOnAGuestStackThread(ExecutionMode mode) throws Exception {
    try (PluginHost host =
        Fixtures.host(mode).limits(PluginLimits.builder().guestStackBytes(1 << 20).build()).build()) {
      Plugin loop = host.load(Fixtures.fixture("loop"), Fixtures.manifest("loop"));
      try (PluginInstance i = loop.instantiate()) {
        assertCancelled(cancelWhileRunning(i, x -> x.call("spin")), i);
      }
      Fixtures.assertHealthy(host);
    }
  }

  /** An input stream whose read blocks until released and ignores interrupts, like {@code System.in}. */
  static final class DeafInput extends InputStream {
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public int read() {
      return -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      while (true) {
        try {
          release.await();
          return -1;
        } catch (InterruptedException ignored) {
          // deaf: keeps waiting, as a read of System.in does
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cancel_stopsAGuestBlockedOnAnInputThatIgnoresInterrupts(ExecutionMode mode) throws Exception {
    DeafInput in = new DeafInput();
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      try (PluginInstance i = echo.instantiate(InstanceOptions.builder().stdin(in).build())) {
        assertCancelled(cancelWhileRunning(i, PluginInstance::run), i, "_start");
      } finally {
        in.release.countDown(); // lets the pump thread end
      }
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void cancel_stopsAGuestBlockedOnASocket_andTheSocketStillWorks() throws Exception {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build();
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      InputStream fromClient = accepted.getInputStream();
      OutputStream toClient = accepted.getOutputStream();
      PluginInstance i =
          echo.instantiate(InstanceOptions.builder().stdin(fromClient).stdout(toClient).build());
      CompletableFuture<Integer> session = CompletableFuture.supplyAsync(i::run);
      client.getOutputStream().write("hello\n".getBytes());
      byte[] line = new byte[6];
      client.getInputStream().readNBytes(line, 0, 6);
      assertThat(new String(line)).isEqualTo("hello\n");
      // now the guest waits for the next line, in a socket read that no interrupt ends
      Thread.sleep(100);
      assertThat(i.cancel(Duration.ofSeconds(5))).isTrue();
      assertThatThrownBy(session::join).hasCauseInstanceOf(CallCancelledException.class);
      i.close();
      // the application's socket is still open and usable after the sandbox is gone
      toClient.write("still here\n".getBytes());
      toClient.flush();
      assertThat(new String(client.getInputStream().readNBytes(11))).isEqualTo("still here\n");
      Fixtures.assertHealthy(host);
    }
  }

  /** An output stream whose write blocks until released and ignores interrupts, like a pipe nobody reads. */
  static final class DeafOutput extends OutputStream {
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (true) {
        try {
          release.await();
          return;
        } catch (InterruptedException ignored) {
          // deaf
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cancel_stopsAGuestBlockedOnAnOutputThatNeverDrains(ExecutionMode mode) throws Exception {
    DeafOutput out = new DeafOutput();
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      byte[] input = "a line to echo\n".repeat(1000).getBytes();
      try (PluginInstance i =
          echo.instantiate(
              InstanceOptions.builder().stdin(new java.io.ByteArrayInputStream(input)).stdout(out).build())) {
        assertCancelled(cancelWhileRunning(i, PluginInstance::run), i, "_start");
      } finally {
        out.release.countDown();
      }
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void cancel_ofAGuestWritingToASocketChannel_leavesTheChannelOpen() throws Exception {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build();
        java.nio.channels.ServerSocketChannel server =
            java.nio.channels.ServerSocketChannel.open()
                .bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open(server.getLocalAddress());
        java.nio.channels.SocketChannel accepted = server.accept()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      // far more than the socket buffers hold: the guest blocks writing while the client reads nothing
      byte[] input = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n".repeat(200_000).getBytes();
      OutputStream toClient = java.nio.channels.Channels.newOutputStream(accepted); // interruptible
      try (PluginInstance i =
          echo.instantiate(
              InstanceOptions.builder()
                  .stdin(new java.io.ByteArrayInputStream(input))
                  .stdout(toClient)
                  .build())) {
        assertCancelled(cancelWhileRunning(i, PluginInstance::run), i, "_start");
      }
      // the stop's interrupt never reached the channel: it is open, and what the guest wrote can be read
      assertThat(accepted.isOpen()).isTrue();
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(64);
      assertThat(client.read(buffer)).isPositive();
      assertThat(new String(buffer.array(), 0, 16)).isEqualTo("0123456789abcdef");
      Fixtures.assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cancel_stopsAGuestSleepingInPollOneoff(ExecutionMode mode) throws Exception {
    // poll_oneoff with one clock subscription of an hour: the guest sleeps in the host
    byte[] sleeper =
        Wat.compile(
            """
            (module
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "sleep") (result i32)
                (i64.store (i32.const 0) (i64.const 7))          ;; userdata
                (i32.store8 (i32.const 8) (i32.const 0))         ;; tag: clock
                (i32.store (i32.const 16) (i32.const 1))         ;; clock id: monotonic
                (i64.store (i32.const 24) (i64.const 3600000000000)) ;; timeout: an hour
                (i64.store (i32.const 32) (i64.const 0))         ;; precision
                (i32.store16 (i32.const 40) (i32.const 0))       ;; flags: relative
                (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
              (func (export "noop")))
            """);
    try (PluginHost host =
        Fixtures.host(mode)
            .grants(dev.terrarium.host.Grants.builder().wasi(dev.terrarium.api.WasiCapability.POLL).build())
            .build()) {
      Plugin p =
          host.load(
              sleeper,
              Fixtures.manifest(
                  "sleeper",
                  dev.terrarium.api.Capabilities.builder().wasi(dev.terrarium.api.WasiCapability.POLL).build()));
      try (PluginInstance i = p.instantiate()) {
        assertCancelled(cancelWhileRunning(i, x -> x.call("sleep")), i);
      }
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void close_fromAnotherThread_stopsTheRunningCallBeforeItReturns() throws Exception {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build()) {
      Plugin loop = host.load(Fixtures.fixture("loop"), Fixtures.manifest("loop"));
      PluginInstance i = loop.instantiate();
      CompletableFuture<long[]> call = CompletableFuture.supplyAsync(() -> i.call("spin"));
      Thread.sleep(200);
      i.close();
      // close returned: the guest has already stopped; its caller sees the cancel as it unwinds
      assertThatThrownBy(() -> call.get(1, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(CallCancelledException.class);
      assertThatThrownBy(() -> i.call("noop")).isInstanceOf(InstanceUnusableException.class);
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void cancel_ofAnIdleInstance_refusesItsNextCall_andOthersCarryOn() {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build()) {
      Plugin loop = host.load(Fixtures.fixture("loop"), Fixtures.manifest("loop"));
      try (PluginInstance a = loop.instantiate();
          PluginInstance b = loop.instantiate()) {
        a.call("noop");
        a.cancel();
        assertThat(a.usable()).isFalse();
        assertThatThrownBy(() -> a.call("noop"))
            .isInstanceOf(InstanceUnusableException.class)
            .hasMessageContaining("was cancelled");
        assertThat(b.call("noop")).isEmpty();
        assertThat(b.usable()).isTrue();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cancel_ofAMeteredCall_chargesWhatRan_andOnlyItsTenant(ExecutionMode mode) throws Exception {
    try (PluginHost host = Fixtures.host(mode).meterFuel().build()) {
      Plugin loop = host.load(Fixtures.fixture("loop"), Fixtures.manifest("loop"));
      Tenant spinner = host.tenant("spinner", FuelPolicy.unlimited());
      Tenant bystander = host.tenant("bystander", FuelPolicy.unlimited());
      try (PluginInstance b = loop.instantiate(bystander, InstanceOptions.defaults())) {
        b.call("noop");
        long before = bystander.used();
        try (PluginInstance i = loop.instantiate(spinner, InstanceOptions.defaults())) {
          assertCancelled(cancelWhileRunning(i, x -> x.call("spin")), i);
        }
        assertThat(spinner.used()).as("the cancelled call paid for its spinning").isGreaterThan(1000);
        assertThat(bystander.used()).isEqualTo(before);
        b.call("noop");
      }
    }
  }

  @Test
  void cancelWithoutAWait_isRefused_andTheInstanceCarriesOn() {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build();
        PluginInstance i = host.load(Fixtures.fixture("loop"), Fixtures.manifest("loop")).instantiate()) {
      assertThatThrownBy(() -> i.cancel(null)).isInstanceOf(NullPointerException.class).hasMessage("wait");
      assertThat(i.usable()).isTrue();
      assertThat(i.call("noop")).isEmpty();
    }
  }

  @Test
  void cancelledCall_isAPluginException_withAStableCode() {
    assertThat(PluginException.class).isAssignableFrom(CallCancelledException.class);
    assertThatThrownBy(
            () -> new CallCancelledException(ErrorCode.CALL_TRAP, "p", "f", "m", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CALL_TRAP");
  }
}
