package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.CallCancelledException;
import dev.terrarium.api.CallTimeoutException;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Sessions: a command that serves a client, under an idle timeout, a deadline and a cumulative fuel cap. */
class SessionTest {
  private static final byte[] START_LOOP =
      Wat.compile("(module (func (export \"_start\") (loop $l (br $l))))");

  private static String lines(int count) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < count; i++) {
      b.append("line number ").append(i).append('\n');
    }
    return b.toString();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void idleTimeout_endsASessionThatWaitsForInputTooLong(ExecutionMode mode) throws Exception {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      PipedOutputStream client = new PipedOutputStream();
      PipedInputStream stdin = new PipedInputStream(client, 1 << 16);
      PipedInputStream fromGuest = new PipedInputStream(1 << 16);
      PipedOutputStream stdout = new PipedOutputStream(fromGuest);
      try (PluginInstance i = echo.instantiate(InstanceOptions.builder().stdin(stdin).stdout(stdout).build())) {
        CompletableFuture<Integer> session =
            CompletableFuture.supplyAsync(
                () -> i.runSession(SessionLimits.none().withIdleTimeout(Duration.ofMillis(400))));
        // a client that answers within the idle timeout keeps the session alive, however long it lasts
        for (int n = 0; n < 4; n++) {
          client.write(("ping " + n + "\n").getBytes(StandardCharsets.UTF_8));
          client.flush();
          byte[] answer = fromGuest.readNBytes(7);
          assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("ping " + n + "\n");
          Thread.sleep(200);
        }
        long silentSince = System.nanoTime();
        assertThatThrownBy(session::join)
            .cause()
            .isInstanceOfSatisfying(
                CallCancelledException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_IDLE))
            .hasMessageContaining("idle timeout of PT0.4S");
        long silentMillis = (System.nanoTime() - silentSince) / 1_000_000;
        assertThat(silentMillis).isBetween(150L, 5_000L);
        assertThat(i.usable()).isFalse();
      }
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void session_isNotBoundByTheCallTimeout_whileRunIs() throws Exception {
    try (PluginHost host =
        Fixtures.host(ExecutionMode.COMPILER)
            .limits(PluginLimits.builder().callTimeout(Duration.ofMillis(150)).build())
            .build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      for (boolean asSession : new boolean[] {true, false}) {
        PipedOutputStream client = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(client);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PluginInstance i = echo.instantiate(InstanceOptions.builder().stdin(stdin).stdout(out).build())) {
          CompletableFuture<Integer> run =
              CompletableFuture.supplyAsync(() -> asSession ? i.runSession(SessionLimits.none()) : i.run());
          for (int n = 0; n < 5 && !run.isDone(); n++) {
            client.write("slow\n".getBytes(StandardCharsets.UTF_8));
            client.flush();
            Thread.sleep(100);
          }
          client.close();
          if (asSession) {
            assertThat(run.join()).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("slow\n".repeat(5));
          } else {
            assertThatThrownBy(run::join).cause().isInstanceOf(CallTimeoutException.class);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void deadline_stopsALoopingSession(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin loop = host.load(START_LOOP, Fixtures.manifest("start-loop"));
      try (PluginInstance i = loop.instantiate()) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> i.runSession(SessionLimits.none().withDeadline(Duration.ofMillis(200))))
            .isInstanceOfSatisfying(
                CallTimeoutException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_TIMEOUT))
            .hasMessageContaining("200");
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(150L, 5_000L);
      }
      Fixtures.assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sessionFuel_isDrawnFromTheTenantCumulatively_beyondThePerCallCap(ExecutionMode mode) {
    byte[] input = lines(2_000).getBytes(StandardCharsets.UTF_8);
    long total;
    try (PluginHost probe = Fixtures.host(mode).meterFuel().build()) {
      Tenant t = probe.tenant("probe", FuelPolicy.unlimited());
      try (PluginInstance i =
          probe
              .load(Fixtures.bytes("echo-shell.wasm"))
              .instantiate(t, InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).build())) {
        i.runSession(SessionLimits.none());
        total = i.lastCallFuel();
      }
    }
    assertThat(total).isGreaterThan(100_000);
    long cap = total / 4;
    try (PluginHost host =
        Fixtures.host(mode)
            .meterFuel()
            .fuelSlice(cap / 10)
            .limits(PluginLimits.builder().maxFuelPerCall(cap).build())
            .build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      Tenant tenant = host.tenant("shell", FuelPolicy.builder().capacity(total * 10).refill(0, Duration.ofSeconds(1)).build());
      // as one call, the command hits the per-call cap
      try (PluginInstance i =
          echo.instantiate(tenant, InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).build())) {
        assertThatThrownBy(i::run)
            .isInstanceOfSatisfying(
                FuelExhaustedException.class,
                e -> assertThat(e.reason()).isEqualTo(FuelExhaustedException.Reason.PER_CALL_CAP));
      }
      long before = tenant.used();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i =
          echo.instantiate(
              tenant, InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).stdout(out).build())) {
        // as a session, it draws what it needs slice by slice, and pays exactly what it used
        assertThat(i.runSession(SessionLimits.none())).isZero();
        assertThat(i.lastCallFuel()).isEqualTo(total);
        assertThat(out.toByteArray()).isEqualTo(input);
      }
      assertThat(tenant.used() - before).isEqualTo(total);
      // the session's own cap stops it, and says so
      try (PluginInstance i =
          echo.instantiate(tenant, InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).build())) {
        assertThatThrownBy(() -> i.runSession(SessionLimits.none().withMaxFuel(total / 2)))
            .isInstanceOfSatisfying(
                FuelExhaustedException.class,
                e -> {
                  assertThat(e.reason()).isEqualTo(FuelExhaustedException.Reason.SESSION_CAP);
                  assertThat(e.limit()).isEqualTo(total / 2);
                })
            .hasMessageContaining("the session reached its fuel cap of " + total / 2);
      }
      // and the per-call cap is back in force for ordinary calls afterwards
      try (PluginInstance i =
          echo.instantiate(tenant, InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).build())) {
        assertThatThrownBy(i::run).isInstanceOf(FuelExhaustedException.class);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void loopingSession_isStoppedByItsTenantsFuel_andOthersAreUnharmed(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).meterFuel().build()) {
      Plugin loop = host.load(START_LOOP, Fixtures.manifest("start-loop"));
      Tenant looper = host.tenant("looper", FuelPolicy.builder().capacity(5_000_000).refill(0, Duration.ofSeconds(1)).build());
      Tenant other = host.tenant("other", FuelPolicy.builder().capacity(5_000_000).refill(0, Duration.ofSeconds(1)).build());
      try (PluginInstance i = loop.instantiate(looper, InstanceOptions.defaults())) {
        assertThatThrownBy(() -> i.runSession(SessionLimits.none()))
            .isInstanceOfSatisfying(
                FuelExhaustedException.class,
                e -> assertThat(e.reason()).isEqualTo(FuelExhaustedException.Reason.LEDGER));
      }
      // it spent its whole bucket (the last instructions may overdraw it by a few units: it pays what ran)
      assertThat(looper.balance()).isBetween(-100L, 0L);
      assertThat(looper.used()).isGreaterThanOrEqualTo(5_000_000);
      assertThat(other.balance()).isEqualTo(5_000_000);
      Plugin add = host.load(Fixtures.fixture("add"), Fixtures.manifest("add"));
      try (PluginInstance i = add.instantiate(other, InstanceOptions.defaults())) {
        assertThat(i.call("add", 40, 2)).containsExactly(42);
      }
    }
  }

  @Test
  void sessionLimits_refuseBadValues_namingThem() {
    assertThatThrownBy(() -> SessionLimits.none().withIdleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idleTimeout must be positive, was PT0S");
    assertThatThrownBy(() -> SessionLimits.none().withDeadline(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadline must be positive, was PT-1S");
    assertThatThrownBy(() -> SessionLimits.none().withMaxFuel(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxFuel must be at least 1, was 0");
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build();
        PluginInstance i = host.load(Fixtures.bytes("echo-shell.wasm")).instantiate()) {
      assertThatThrownBy(() -> i.runSession(null)).isInstanceOf(NullPointerException.class).hasMessage("limits");
      assertThat(i.usable()).isTrue();
      assertThat(i.runSession(SessionLimits.none())).isZero();
    }
  }
}
