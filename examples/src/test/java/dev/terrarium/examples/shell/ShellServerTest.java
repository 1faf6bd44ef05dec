package dev.terrarium.examples.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shell server over real Unix domain sockets, in-process, with the real engine and shell-repl.wasm. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellServerTest {
  @TempDir Path dir;

  private final List<ShellServer> servers = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();

  @AfterEach
  void stopServers() {
    servers.forEach(ShellServer::stop);
  }

  private ShellOptions options() {
    return ShellOptions.defaults(dir.resolve("shell.sock")).withIdleTimeout(Duration.ofSeconds(5));
  }

  private ShellServer start(ShellOptions options) throws IOException {
    ShellServer server = ShellServer.start(options, log::add);
    servers.add(server);
    return server;
  }

  /** A client connection: one line per call, as the protocol goes. */
  static final class Client implements AutoCloseable {
    final SocketChannel channel;
    final OutputStream out;
    final InputStream in;

    Client(Path socket) throws IOException {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      out = ChannelStreams.out(channel);
      in = new BufferedInputStream(ChannelStreams.in(channel), 1 << 16);
    }

    static Client login(Path socket, String name) throws IOException {
      Client c = new Client(socket);
      assertThat(c.ask("login " + name)).as("answer to login %s", name).isEqualTo("ok");
      return c;
    }

    void sendRaw(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(String line) throws IOException {
      sendRaw(line + "\n");
    }

    /** The next line, or null at the end of the stream (a reset after the last line counts as the end). */
    String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        int b;
        try {
          b = in.read();
        } catch (IOException e) {
          b = -1;
        }
        if (b < 0) {
          return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8) + "<no line end>";
        }
        if (b == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
    }

    String ask(String line) throws IOException {
      send(line);
      return line();
    }

    /** Every line until the server closes the connection. */
    List<String> rest() throws IOException {
      List<String> lines = new ArrayList<>();
      for (String l = line(); l != null; l = line()) {
        lines.add(l);
      }
      return lines;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  private static long sessionThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("shell-session-") || n.startsWith("terrarium-stdin-shell-repl"))
        .count();
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  // -------------------------------------------------------------------------------------------------------

  @Test
  void addAndSum_fromTwoConnectionsOfTwoTenants_bothSeeTheSharedSum() throws Exception {
    ShellServer server = start(options());
    Path socket = server.socket();

    try (Client alice = Client.login(socket, "alice");
        Client bob = Client.login(socket, "bob")) {
      assertThat(alice.ask("add 2")).isEqualTo("ok");
      assertThat(bob.ask("add 3")).isEqualTo("ok");
      assertThat(alice.ask("sum")).isEqualTo("5");
      assertThat(bob.ask("sum")).isEqualTo("5");
      assertThat(bob.ask("(begin (add 10) (sum))")).isEqualTo("15");
      assertThat(alice.ask("sum")).isEqualTo("15");
    }
    await("both sessions ended", () -> server.liveConnections() == 0);
    // each view knew its tenant: alice made add, sum, sum; bob add, sum, add, sum
    assertThat(server.store().operations("alice")).isEqualTo(3);
    assertThat(server.store().operations("bob")).isEqualTo(4);
    assertThat(server.tenant("alice").used()).isPositive();
    assertThat(server.tenant("carol")).isNull();
  }

  @Test
  void sum_thatDoesNotFitIn64Bits_isAnInBandError_andAddingBackFixesIt() throws Exception {
    ShellServer server = start(options());

    try (Client c = Client.login(server.socket(), "alice")) {
      assertThat(c.ask("add 9223372036854775807")).isEqualTo("ok");
      assertThat(c.ask("add 1")).isEqualTo("ok");
      assertThat(c.ask("sum"))
          .isEqualTo(
              "error: the sum 9223372036854775808 does not fit in a signed 64-bit integer; add a number to bring"
                  + " it back");
      assertThat(c.ask("add -2")).isEqualTo("ok");
      assertThat(c.ask("sum")).isEqualTo("9223372036854775806");
    }
  }

  @Test
  void setAndGet_acrossConnections_passAOneMebibyteValueWhole_andTheMapBudgetIsAnInBandError() throws Exception {
    // 3 MiB: one 1 MiB value (2 MiB counted, two bytes per character) fits, a second one does not.
    ShellServer server = start(options().withMaxStateBytes(3L << 20));
    Path socket = server.socket();
    StringBuilder big = new StringBuilder(1 << 20);
    for (int i = 0; big.length() < (1 << 20); i++) {
      big.append("value ").append(i).append(' ');
    }
    String value = big.substring(0, 1 << 20);

    try (Client writer = Client.login(socket, "writer");
        Client reader = Client.login(socket, "reader")) {
      assertThat(writer.ask("set big " + value)).isEqualTo("ok");
      assertThat(reader.ask("get big")).hasSize(1 << 20).isEqualTo(value);
      assertThat(reader.ask("set small hello, writer")).isEqualTo("ok");
      assertThat(writer.ask("(get \"small\")")).isEqualTo("hello, writer");

      String refused = writer.ask("set other " + value);
      assertThat(refused)
          .startsWith("error: the shared map cannot hold this value: it holds ")
          .contains("of its 3145728 bytes, and key 'other' with a value of 1048576 characters")
          .endsWith("the value was not stored (use a shorter value, or ask the operator for a larger --max-state-mib)");
      assertThat(writer.ask("get other")).isEqualTo("error: no value for key 'other'");
      // the session goes on, and replacing the big value by a small one frees its budget
      assertThat(writer.ask("set big x")).isEqualTo("ok");
      assertThat(writer.ask("set other " + value)).isEqualTo("ok");
      assertThat(reader.ask("get other")).isEqualTo(value);
    }
    assertThat(server.store().mapBytes()).isLessThanOrEqualTo(3L << 20);
  }

  @Test
  void fiveHundredConcurrentSessions_addExactlyTenThousand_andLeaveNoThreadsInstancesOrHeapBehind()
      throws Exception {
    int sessions = 500;
    int adds = 20;
    ShellServer server = start(options().withMaxConnections(sessions + 10).withIdleTimeout(Duration.ofSeconds(30)));
    Path socket = server.socket();
    try (Client warmUp = Client.login(socket, "warm-up")) {
      assertThat(warmUp.ask("sum")).isEqualTo("0");
    }
    await("the warm-up session ended", () -> server.liveConnections() == 0);
    long heapBefore = usedHeapAfterGc();

    CountDownLatch allLoggedIn = new CountDownLatch(sessions);
    ExecutorService clients = Executors.newFixedThreadPool(sessions);
    List<Future<List<String>>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < sessions; i++) {
        String tenant = "tenant-" + (i % 50);
        answers.add(
            clients.submit(
                () -> {
                  try (Client c = Client.login(socket, tenant)) {
                    allLoggedIn.countDown();
                    assertThat(allLoggedIn.await(40, TimeUnit.SECONDS)).isTrue();
                    c.sendRaw("add 1\n".repeat(adds));
                    List<String> got = new ArrayList<>();
                    for (int k = 0; k < adds; k++) {
                      got.add(c.line());
                    }
                    return got;
                  }
                }));
      }
      for (Future<List<String>> a : answers) {
        assertThat(a.get(50, TimeUnit.SECONDS)).hasSize(adds).containsOnly("ok");
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(server.peakConnections()).as("all sessions were live at once").isGreaterThanOrEqualTo(sessions);

    try (Client c = Client.login(socket, "auditor")) {
      assertThat(c.ask("sum")).isEqualTo(String.valueOf(sessions * adds));
    }
    for (int t = 0; t < 50; t++) {
      assertThat(server.store().operations("tenant-" + t)).isEqualTo(10L * adds);
    }
    await("every connection ended", () -> server.liveConnections() == 0);
    await("every instance closed its SharedState view", () -> server.store().openViews() == 0);
    await("every session and stdin thread ended", () -> sessionThreads() == 0);
    long heapAfter = usedHeapAfterGc();
    // 500 live sessions held at least 500 x 1.1 MiB of guest memory; afterwards the heap is back near where it was.
    assertThat(heapAfter - heapBefore).as("heap growth in bytes").isLessThan(64L << 20);
  }

  @Test
  void hostileSessions_endOnlyThemselvesWithOneLine_whileAWellBehavedSessionKeepsWorking() throws Exception {
    ShellServer server =
        start(
            options()
                .withIdleTimeout(Duration.ofMillis(1500))
                .withSessionFuel(300_000_000L)
                .withTenantFuel(450_000_000L, Duration.ofHours(1))
                .withSessionDeadline(Duration.ofSeconds(30)));
    Path socket = server.socket();
    String loop = "(begin (define f (lambda () (f))) (f))";
    ExecutorService pool = Executors.newCachedThreadPool();
    try (Client good = Client.login(socket, "good")) {
      List<CompletableFuture<List<String>>> hostile = new ArrayList<>();
      // an endless loop: the session's fuel cap stops it; the tenant's second one finds its bucket nearly empty
      hostile.add(
          CompletableFuture.supplyAsync(
              () -> {
                try (Client c = Client.login(socket, "looper")) {
                  c.send(loop);
                  List<String> first = c.rest();
                  try (Client again = Client.login(socket, "looper")) {
                    again.send(loop);
                    first.addAll(again.rest());
                  }
                  return first;
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              pool));
      // a 100 MB line: the guest buffers it, and its memory limit ends it
      hostile.add(
          CompletableFuture.supplyAsync(
              () -> {
                try (Client c = Client.login(socket, "flooder")) {
                  Future<?> writer =
                      pool.submit(
                          () -> {
                            byte[] chunk = new byte[1 << 20];
                            java.util.Arrays.fill(chunk, (byte) 'x');
                            for (int i = 0; i < 100; i++) {
                              c.out.write(chunk);
                            }
                            c.sendRaw("\n");
                            return null;
                          });
                  List<String> lines = c.rest();
                  assertThatThrownBy(() -> writer.get(20, TimeUnit.SECONDS))
                      .as("the server stopped reading the line")
                      .hasCauseInstanceOf(IOException.class);
                  return lines;
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              pool));
      // a guest that exhausts its memory and traps
      hostile.add(
          CompletableFuture.supplyAsync(
              () -> {
                try (Client c = Client.login(socket, "bomber")) {
                  c.send("(begin (define (g s) (g (string-append s s))) (g \"xxxxxxxx\"))");
                  return c.rest();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              pool));
      // an idle client
      hostile.add(
          CompletableFuture.supplyAsync(
              () -> {
                try (Client c = Client.login(socket, "sleeper")) {
                  List<String> lines = new ArrayList<>();
                  lines.add(c.ask("(+ 20 22)"));
                  lines.addAll(c.rest());
                  return lines;
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              pool));
      // a client that vanishes mid-line: its last line without a line end still counts (the REPL's rule)
      hostile.add(
          CompletableFuture.supplyAsync(
              () -> {
                try (Client c = Client.login(socket, "vanisher")) {
                  c.sendRaw("add 1");
                  return List.<String>of();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              },
              pool));

      int goodAdds = 0;
      while (!hostile.stream().allMatch(CompletableFuture::isDone)) {
        assertThat(good.ask("add 1")).isEqualTo("ok");
        goodAdds++;
        Thread.sleep(50);
      }
      assertThat(hostile.get(0).get())
          .containsExactly(
              "error: session ended: the session used all its fuel (300000000 units)",
              "error: session ended: tenant 'looper' is out of fuel for now");
      assertThat(hostile.get(1).get()).containsExactly("error: session ended: out of memory (the limit is 32 MiB)");
      assertThat(hostile.get(2).get()).containsExactly("error: session ended: out of memory (the limit is 32 MiB)");
      assertThat(hostile.get(3).get()).containsExactly("42", "error: session ended: idle for longer than 1500 ms");
      assertThat(goodAdds).as("the good session worked all along").isGreaterThan(10);

      await("the vanished client's session ended", () -> server.liveConnections() == 1);
      assertThat(good.ask("sum")).isEqualTo(String.valueOf(goodAdds + 1));
      assertThat(good.ask("(+ 1 2)")).isEqualTo("3");
      assertThat(server.tenant("looper").balance()).isLessThan(server.tenant("good").balance());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sessionDeadline_endsALoopingSessionWithOneLine_andOthersGoOn() throws Exception {
    ShellServer server = start(options().withSessionDeadline(Duration.ofSeconds(2)));

    try (Client looper = Client.login(server.socket(), "looper");
        Client other = Client.login(server.socket(), "other")) {
      looper.send("(begin (define f (lambda () (f))) (f))");
      assertThat(other.ask("add 5")).isEqualTo("ok");
      assertThat(looper.rest()).containsExactly("error: session ended: the session ran past its deadline of 2 s");
      // the deadline bounds every session, busy or not: the other one, started with it, ends too
      assertThat(other.rest()).containsExactly("error: session ended: the session ran past its deadline of 2 s");
    }
    try (Client later = Client.login(server.socket(), "looper")) {
      assertThat(later.ask("sum")).isEqualTo("5");
    }
  }

  @Test
  void badLoginLines_getOneErrorLineAndAreClosed_andAGoodLoginStillWorks() throws Exception {
    ShellServer server = start(options().withIdleTimeout(Duration.ofMillis(1500)));
    Path socket = server.socket();
    String firstLine = "error: the first line must be 'login NAME'";
    String badName = "error: bad login name: use 1 to 64 characters of A-Z a-z 0-9 _ . -";
    String[][] cases = {
      {"hello\n", firstLine},
      {"LOGIN alice\n", firstLine},
      {"login\n", firstLine},
      {"add 1\n", firstLine},
      {"login \n", badName},
      {"login bad name\n", badName},
      {"login " + "a".repeat(65) + "\n", badName},
      {"login caf\u00e9\n", badName},
      {"login a/b\n", badName},
      {"login " + "x".repeat(10_000), "error: the login line is too long: the first line must be 'login NAME'"},
    };
    for (String[] c : cases) {
      try (Client client = new Client(socket)) {
        client.sendRaw(c[0]);
        assertThat(client.rest()).as("answer to %s", c[0].length() > 80 ? "a long line" : c[0]).containsExactly(c[1]);
      }
    }
    // gone before the line ends: no answer
    try (Client client = new Client(socket)) {
      client.sendRaw("login alice");
      client.channel.shutdownOutput();
      assertThat(client.rest()).isEmpty();
    }
    // silent: the idle timeout applies to the login too
    try (Client client = new Client(socket)) {
      assertThat(client.rest()).containsExactly("error: no login line within 1500 ms");
    }
    // the longest name, and lines sent with the login in one write: nothing after the login line is lost
    try (Client client = new Client(socket)) {
      String name = "A-z_0.9".repeat(9) + "x";
      client.sendRaw("login " + name + "\r\nadd 7\nsum\n");
      assertThat(client.line()).isEqualTo("ok");
      assertThat(client.line()).isEqualTo("ok");
      assertThat(client.line()).isEqualTo("7");
      assertThat(server.store().operations(name)).isEqualTo(2);
    }
    assertThat(server.tenant("alice")).isNull();
  }

  @Test
  void tenants_beyondTheMaximum_areRefused_andKnownOnesStillLogIn() throws Exception {
    ShellServer server = start(options().withMaxTenants(2));
    Path socket = server.socket();
    Client.login(socket, "one").close();
    Client.login(socket, "two").close();

    try (Client third = new Client(socket)) {
      assertThat(third.ask("login three"))
          .isEqualTo("error: the server has its maximum of 2 tenants; log in as a known one");
      assertThat(third.line()).isNull();
    }
    try (Client again = Client.login(socket, "one")) {
      assertThat(again.ask("sum")).isEqualTo("0");
    }
  }

  @Test
  void connectionsBeyondTheMaximum_getServerBusyAndAreClosed_andAFreedSlotIsUsedAgain() throws Exception {
    ShellServer server = start(options().withMaxConnections(2));
    Path socket = server.socket();

    try (Client first = Client.login(socket, "first");
        Client second = new Client(socket)) {
      await("both connections are served", () -> server.liveConnections() == 2);
      try (Client third = new Client(socket)) {
        assertThat(third.rest()).containsExactly("error: server busy");
      }
      assertThat(first.ask("add 1")).isEqualTo("ok");
      second.close();
      await("the second connection ended", () -> server.liveConnections() == 1);
      try (Client fourth = Client.login(socket, "fourth")) {
        assertThat(fourth.ask("sum")).isEqualTo("1");
      }
    }
  }

  @Test
  void stop_endsEverySessionWithOneLine_closesTheHost_andDeletesTheSocketFile() throws Exception {
    ShellServer server = start(options());
    Path socket = server.socket();
    Client inSession = Client.login(socket, "alice");
    Client looping = Client.login(socket, "bob");
    Client loggingIn = new Client(socket);
    try {
      assertThat(inSession.ask("add 1")).isEqualTo("ok");
      looping.send("(begin (define f (lambda () (f))) (f))");
      await("three connections are served", () -> server.liveConnections() == 3);

      server.stop();

      assertThat(inSession.rest()).containsExactly("error: session ended: server shutting down");
      assertThat(looping.rest()).containsExactly("error: session ended: server shutting down");
      assertThat(loggingIn.rest()).containsExactly("error: server shutting down");
    } finally {
      inSession.close();
      looping.close();
      loggingIn.close();
    }
    assertThat(Files.exists(socket, LinkOption.NOFOLLOW_LINKS)).as("the socket file is gone").isFalse();
    assertThat(server.liveConnections()).isZero();
    assertThat(server.store().openViews()).isZero();
    assertThatThrownBy(() -> new Client(socket)).isInstanceOf(IOException.class);
    server.stop(); // idempotent
    assertThat(log).contains("shell-server: stopped");
  }

  @Test
  void start_refusesAnotherFileOrALiveServersSocket_replacesAStaleSocket_andMakesItOwnerOnly() throws Exception {
    Path file = dir.resolve("not-a-socket");
    Files.writeString(file, "keep me");
    assertThatThrownBy(() -> start(ShellOptions.defaults(file)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("exists and is not a socket");
    assertThat(Files.readString(file)).isEqualTo("keep me");

    Path stale = dir.resolve("stale.sock");
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(stale));
    }
    assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).as("a closed channel leaves its file").isTrue();
    ShellServer server = start(ShellOptions.defaults(stale));
    assertThat(log).anyMatch(l -> l.contains("removed the stale socket file"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stale))).isEqualTo("rw-------");

    assertThatThrownBy(() -> start(ShellOptions.defaults(stale)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is the socket of a running server");
    try (Client c = Client.login(stale, "alice")) {
      assertThat(c.ask("sum")).as("the first server still serves").isEqualTo("0");
    }
    server.stop();
    assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  @Test
  void options_parseEveryFlag_andNameABadOne() {
    ShellOptions o =
        ShellOptions.parse(
            "/tmp/x.sock",
            "--max-connections", "7",
            "--max-tenants", "9",
            "--idle-timeout", "90s",
            "--session-deadline", "2h",
            "--session-fuel", "1_000_000",
            "--tenant-fuel", "5000000/10m",
            "--max-memory-mib", "16",
            "--max-state-mib", "3");

    assertThat(o)
        .isEqualTo(
            new ShellOptions(
                Path.of("/tmp/x.sock"), 7, 9, Duration.ofSeconds(90), Duration.ofHours(2), 1_000_000L, 5_000_000L,
                Duration.ofMinutes(10), 16, 3L << 20, ShellOptions.DEFAULT_GUEST_STACK_BYTES));
    assertThat(ShellOptions.parse("/s")).isEqualTo(ShellOptions.defaults(Path.of("/s")));
    assertThat(ShellOptions.parse("/s", "--tenant-fuel", "42").tenantPolicy().refillPeriod())
        .isEqualTo(Duration.ofHours(1));

    assertThatThrownBy(ShellOptions::parse).hasMessage("the socket path is missing");
    assertThatThrownBy(() -> ShellOptions.parse("/s", "--idle-timeout", "5 minutes"))
        .hasMessage("--idle-timeout must be a duration such as 500ms, 30s, 5m or 2h, was '5 minutes'");
    assertThatThrownBy(() -> ShellOptions.parse("/s", "--max-connections", "0"))
        .hasMessage("--max-connections must be at least 1, was 0");
    assertThatThrownBy(() -> ShellOptions.parse("/s", "--session-fuel", "lots"))
        .hasMessage("--session-fuel must be a whole number, was 'lots'");
    assertThatThrownBy(() -> ShellOptions.parse("/s", "--verbose", "yes")).hasMessage("unknown option: --verbose");
    assertThatThrownBy(() -> ShellOptions.parse("/s", "--max-memory-mib")).hasMessage("--max-memory-mib needs a value");
    assertThatThrownBy(() -> ShellOptions.parse("/s", "--max-memory-mib", "5000"))
        .hasMessage("--max-memory-mib must be 1 to 4096, was 5000");
  }
}
