package dev.terrarium.examples.shell;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.FuelExhaustedException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.Grants;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.SessionLimits;
import dev.terrarium.host.Tenant;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.SharedState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The embedded shell server: Terrarium hosting many tenants. It listens on a Unix domain socket; every connection
 * logs in as a tenant ({@code login NAME}) and then talks to its own sandboxed REPL ({@code shell-repl.wasm}),
 * whose standard input and output are the connection, over state that all sessions share ({@link SharedStore}).
 * See {@code docs/shell-server.md} for the protocol, the limits and what each hostile client gets.
 *
 * <p>One thread per connection, at most {@link ShellOptions#maxConnections()} of them; {@link #stop()} (run by a
 * shutdown hook on SIGTERM) ends every session, closes the host and deletes the socket file.
 */
public final class ShellServer implements AutoCloseable {
  /** A login name: 1 to 64 characters of A-Z, a-z, 0-9, underscore, dot and hyphen. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  /** The longest login line read, in bytes, before its line feed: {@code login }, 64 characters and a CR. */
  static final int MAX_LOGIN_LINE = 6 + 64 + 1;

  /** How long stop() waits for the sessions to end before it closes their connections. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  /** How long the server tries to write a session's last line to a client that does not read. */
  private static final long LAST_LINE_MILLIS = 2000;

  private final ShellOptions options;
  private final Consumer<String> log;
  private final SharedStore store;
  private final PluginHost host;
  private final Plugin repl;
  private final SessionLimits sessionLimits;
  private final FuelPolicy tenantPolicy;
  private final ServerSocketChannel server;
  private final Path socket;
  private final Object socketKey;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<String> tenantNames = ConcurrentHashMap.newKeySet();
  private final AtomicLong connectionIds = new AtomicLong();
  private final AtomicInteger peakConnections = new AtomicInteger();
  private final ScheduledExecutorService timer;
  private final Thread acceptor;
  private final Object stopLock = new Object();
  private volatile boolean stopping;
  private boolean stopped;

  private ShellServer(ShellOptions options, Consumer<String> log) throws IOException {
    this.options = options;
    this.log = log;
    this.store = new SharedStore(options.maxStateBytes());
    this.tenantPolicy = options.tenantPolicy();
    this.sessionLimits =
        SessionLimits.none()
            .withIdleTimeout(options.idleTimeout())
            .withDeadline(options.sessionDeadline())
            .withMaxFuel(options.sessionFuel());
    this.host =
        PluginHost.builder()
            .meterFuel()
            .grants(Grants.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT).build())
            .limits(
                PluginLimits.builder()
                    .maxMemoryPages(options.maxMemoryMib() * 16)
                    .guestStackBytes(options.guestStackBytes())
                    .build())
            .hostImportsPerInstance(SharedState.class, store::view)
            .build();
    // The socket first: a path that cannot be used fails the start before the module is compiled.
    this.socket = options.socket().toAbsolutePath();
    try {
      this.server = bind(socket, Math.max(128, options.maxConnections()), log);
    } catch (IOException | RuntimeException e) {
      host.close();
      throw e;
    }
    this.socketKey = fileKey(socket);
    try {
      this.repl = host.load(SamplePlugins.bytes("shell-repl.wasm"));
    } catch (RuntimeException e) {
      host.close();
      server.close();
      Files.deleteIfExists(socket);
      throw e;
    }
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "shell-server-timer");
              t.setDaemon(true);
              return t;
            });
    this.acceptor = new Thread(this::acceptLoop, "shell-server-accept");
    acceptor.start();
  }

  /**
   * Starts a server on {@code options.socket()}, logging to {@code log}.
   *
   * @throws IOException when the socket path cannot be used: it exists and is not a socket, another server
   *     listens there, or binding fails
   */
  public static ShellServer start(ShellOptions options, Consumer<String> log) throws IOException {
    return new ShellServer(Objects.requireNonNull(options, "options"), Objects.requireNonNull(log, "log"));
  }

  /** Returns the state all sessions share. */
  public SharedStore store() {
    return store;
  }

  /** Returns the absolute path of the socket. */
  public Path socket() {
    return socket;
  }

  /** Returns the number of connections being served now (logging in, or in a session). */
  public int liveConnections() {
    return connections.size();
  }

  /** Returns the most connections served at once since the server started. */
  public int peakConnections() {
    return peakConnections.get();
  }

  /** Returns the tenant {@code name}'s fuel account, or {@code null} when nobody logged in as it. */
  public Tenant tenant(String name) {
    return tenantNames.contains(name) ? host.tenant(name, tenantPolicy) : null;
  }

  /** Waits until the server has stopped accepting connections (after {@link #stop()}). */
  public void awaitStop() throws InterruptedException {
    acceptor.join();
  }

  // ---------------------------------------------------------------------------------------------------------
  // The socket file

  /**
   * Binds a server channel at {@code socket}. An existing file there is replaced only when it is a stale socket
   * (a socket file that nobody listens on, left by a server that crashed); any other file, and a socket a
   * server listens on, make the start fail. The socket file is made owner-only (mode 0600) before any client can
   * reach it: it is bound in a fresh directory of mode 0700 and then linked to its path; where that cannot be
   * done (hard links unsupported, path too long) it is bound in place and its mode set right after.
   */
  static ServerSocketChannel bind(Path socket, int backlog, Consumer<String> log) throws IOException {
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      if (!isSocket(socket)) {
        throw new IOException(
            socket + " exists and is not a socket; the server does not replace it (remove it, or choose another"
                + " path)");
      }
      try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
        throw new IOException(
            socket + " is the socket of a running server; stop that server first, or choose another path");
      } catch (ConnectException stale) {
        Files.delete(socket);
        log.accept("shell-server: removed the stale socket file " + socket + " (nobody listened on it)");
      }
    }
    try {
      return bindOwnerOnly(socket, backlog);
    } catch (FileAlreadyExistsException e) {
      throw new IOException(socket + " was created by someone else while the server started; try again", e);
    } catch (IOException | UnsupportedOperationException e) {
      ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.bind(UnixDomainSocketAddress.of(socket), backlog);
        ownerOnly(socket);
        return channel;
      } catch (IOException | RuntimeException failed) {
        channel.close();
        throw failed;
      }
    }
  }

  private static ServerSocketChannel bindOwnerOnly(Path socket, int backlog) throws IOException {
    Path parent = socket.getParent();
    Path dir =
        Files.createTempDirectory(
            parent, ".shell", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path temporary = dir.resolve("s");
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    boolean done = false;
    try {
      channel.bind(UnixDomainSocketAddress.of(temporary), backlog);
      ownerOnly(temporary);
      Files.createLink(socket, temporary); // fails when the path exists: never replaces anything
      done = true;
      return channel;
    } finally {
      Files.deleteIfExists(temporary);
      Files.deleteIfExists(dir);
      if (!done) {
        channel.close();
      }
    }
  }

  private static void ownerOnly(Path path) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its own rules apply
    }
  }

  private static boolean isSocket(Path path) throws IOException {
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (mode & 0170000) == 0140000;
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    }
  }

  private static Object fileKey(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Accepting

  private void acceptLoop() {
    log.accept(
        "shell-server: listening on " + socket + " (at most " + options.maxConnections()
            + " connections, idle timeout " + human(options.idleTimeout()) + ", session deadline "
            + human(options.sessionDeadline()) + ", " + options.sessionFuel() + " fuel per session, "
            + options.maxMemoryMib() + " MiB per guest)");
    while (!stopping) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (IOException e) {
        if (!stopping) {
          log.accept("shell-server: accept failed, no longer accepting: " + e);
        }
        return;
      }
      if (connections.size() >= options.maxConnections()) {
        refuseBusy(channel);
        continue;
      }
      Connection c = new Connection(connectionIds.incrementAndGet(), channel);
      connections.add(c);
      peakConnections.accumulateAndGet(connections.size(), Math::max);
      c.thread.start();
    }
  }

  /** Answers {@code error: server busy} without ever blocking the acceptor, and closes. */
  private void refuseBusy(SocketChannel channel) {
    try (channel) {
      channel.configureBlocking(false);
      channel.write(ByteBuffer.wrap("error: server busy\n".getBytes(StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      // the client is gone already
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Stopping

  /**
   * Stops the server: no more connections; every session ends (its client gets {@code error: session ended:
   * server shutting down}), a client still logging in gets {@code error: server shutting down}; then the host
   * is closed and the socket file deleted (when it is still the one this server made). Idempotent.
   */
  public void stop() {
    synchronized (stopLock) {
      if (stopped) {
        return;
      }
      stopped = true;
      stopping = true;
    }
    log.accept("shell-server: stopping (" + connections.size() + " connections)");
    try {
      server.close();
    } catch (IOException e) {
      log.accept("shell-server: closing the server socket failed: " + e);
    }
    List<Connection> live = new ArrayList<>(connections);
    for (Connection c : live) {
      c.shutdown("server shutting down");
    }
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (Connection c : live) {
      try {
        c.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Connection c : connections) {
      log.accept("shell-server: connection " + c.id + " did not end in time; closing it");
      c.closeChannel();
    }
    try {
      acceptor.join(STOP_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
    host.close();
    try {
      if (socketKey != null && socketKey.equals(fileKey(socket))) {
        Files.deleteIfExists(socket);
      } else if (socketKey == null) {
        Files.deleteIfExists(socket);
      }
    } catch (IOException e) {
      log.accept("shell-server: could not delete " + socket + ": " + e);
    }
    log.accept("shell-server: stopped");
  }

  @Override
  public void close() {
    stop();
  }

  // ---------------------------------------------------------------------------------------------------------
  // One connection

  private final class Connection implements Runnable {
    final long id;
    final SocketChannel channel;
    final Thread thread;
    // Guarded by this.
    private String stopReason;
    private PluginInstance instance;
    private boolean loggingIn = true;

    Connection(long id, SocketChannel channel) {
      this.id = id;
      this.channel = channel;
      this.thread = new Thread(this, "shell-session-" + id);
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      ScheduledFuture<?> loginTimeout =
          timer.schedule(this::loginTimedOut, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
      try {
        String name = login();
        loginTimeout.cancel(false);
        synchronized (this) {
          loggingIn = false;
        }
        if (name != null) {
          session(name);
        }
      } catch (IOException e) {
        // the client went away (or stop() closed the connection) while logging in
      } catch (RuntimeException e) {
        log.accept("shell-server: connection " + id + " failed: " + e);
        lastLine("error: session ended: internal error");
      } finally {
        loginTimeout.cancel(false);
        closeChannel();
        connections.remove(this);
      }
    }

    /** Reads the login line byte by byte (so nothing after it is consumed); returns the name, or null. */
    private String login() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (true) {
        one.clear();
        if (channel.read(one) < 0) {
          return null; // gone before logging in: nothing to answer
        }
        byte b = one.get(0);
        if (b == '\n') {
          break;
        }
        if (line.size() >= MAX_LOGIN_LINE) {
          lastLine("error: the login line is too long: the first line must be 'login NAME'");
          return null;
        }
        line.write(b);
      }
      String text = line.toString(StandardCharsets.ISO_8859_1);
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      if (!text.startsWith("login ")) {
        lastLine("error: the first line must be 'login NAME'");
        return null;
      }
      String name = text.substring("login ".length());
      if (!NAME.matcher(name).matches()) {
        lastLine("error: bad login name: use 1 to 64 characters of A-Z a-z 0-9 _ . -");
        return null;
      }
      if (!admitTenant(name)) {
        lastLine("error: the server has its maximum of " + options.maxTenants() + " tenants; log in as a known one");
        return null;
      }
      return name;
    }

    private void session(String name) throws IOException {
      Tenant tenant = host.tenant(name, tenantPolicy);
      OutputStream out = ChannelStreams.out(channel);
      out.write("ok\n".getBytes(StandardCharsets.US_ASCII));
      PluginInstance created;
      try {
        created =
            repl.instantiate(
                tenant,
                InstanceOptions.builder()
                    .programName("shell-repl")
                    .stdin(ChannelStreams.in(channel))
                    .stdout(out)
                    .attach(id)
                    .build());
      } catch (PluginException e) {
        end(name, e);
        return;
      }
      synchronized (this) {
        instance = created;
        if (stopReason != null) {
          created.cancel();
        }
      }
      try (PluginInstance running = created) {
        int exit = running.runSession(sessionLimits);
        if (exit != 0) {
          log.accept("shell-server: session " + id + " (" + name + ") exited with code " + exit);
          lastLine("error: session ended: the REPL exited with code " + exit);
        }
      } catch (PluginException e) {
        end(name, e);
      }
    }

    private void end(String name, PluginException e) {
      String reason;
      synchronized (this) {
        reason = stopReason != null ? stopReason : reason(e);
      }
      log.accept("shell-server: session " + id + " (" + name + ") ended: " + reason + " -- " + e.getMessage());
      lastLine("error: session ended: " + reason);
    }

    private String reason(PluginException e) {
      ErrorCode code = e.code();
      if (e instanceof FuelExhaustedException f) {
        return switch (f.reason()) {
          case SESSION_CAP -> "the session used all its fuel (" + options.sessionFuel() + " units)";
          case LEDGER -> "tenant '" + f.tenantId() + "' is out of fuel for now";
          default -> "out of fuel";
        };
      }
      return switch (code) {
        case SESSION_IDLE -> "idle for longer than " + human(options.idleTimeout());
        case CALL_TIMEOUT -> "the session ran past its deadline of " + human(options.sessionDeadline());
        case CALL_MEMORY_LIMIT -> "out of memory (the limit is " + options.maxMemoryMib() + " MiB)";
        case CALL_TRAP -> "the REPL failed (trap)";
        case CALL_STACK_EXHAUSTED -> "the REPL exhausted its stack";
        case CALL_CANCELLED -> "cancelled";
        default -> code.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
      };
    }

    /** Writes the connection's last line, giving up after a while if the client does not read. */
    private void lastLine(String text) {
      ScheduledFuture<?> giveUp = null;
      try {
        giveUp = timer.schedule(this::closeChannel, LAST_LINE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // stopping: stop() closes what does not end in time
      }
      try {
        ByteBuffer bytes = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
      } catch (IOException e) {
        // the client is gone
      } finally {
        if (giveUp != null) {
          giveUp.cancel(false);
        }
      }
    }

    private synchronized boolean stillLoggingIn() {
      return loggingIn;
    }

    private void loginTimedOut() {
      if (stillLoggingIn()) {
        lastLine("error: no login line within " + human(options.idleTimeout()));
        closeChannel();
      }
    }

    /** Ends the connection for {@code reason}: cancels its session, or closes it while it logs in. */
    void shutdown(String reason) {
      boolean inLogin;
      synchronized (this) {
        stopReason = reason;
        if (instance != null) {
          instance.cancel();
        }
        inLogin = loggingIn;
      }
      if (inLogin) {
        lastLine("error: " + reason);
        closeChannel();
      }
    }

    void closeChannel() {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing more to do
      }
    }
  }

  private boolean admitTenant(String name) {
    synchronized (tenantNames) {
      if (tenantNames.contains(name)) {
        return true;
      }
      if (tenantNames.size() >= options.maxTenants()) {
        return false;
      }
      tenantNames.add(name);
      return true;
    }
  }

  static String human(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + " ms";
    }
    long s = d.getSeconds();
    if (s % 3600 == 0) {
      return s / 3600 + " h";
    }
    if (s % 60 == 0) {
      return s / 60 + " min";
    }
    return s + " s";
  }

  /** {@code shell-server SOCKET [options]}: see {@link ShellOptions#USAGE}. Runs until SIGTERM or SIGINT. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(ShellOptions.USAGE);
      return;
    }
    ShellOptions options;
    try {
      options = ShellOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("shell-server: " + e.getMessage());
      System.err.println(ShellOptions.USAGE);
      System.exit(64);
      return;
    }
    ShellServer server;
    try {
      server = start(options, System.err::println);
    } catch (IOException e) {
      System.err.println("shell-server: cannot start: " + e.getMessage());
      System.exit(71);
      return;
    } catch (PluginException e) {
      System.err.println("shell-server: cannot start: " + e.getMessage());
      System.exit(70);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shell-server-stop"));
    server.awaitStop();
    server.stop(); // when accepting failed on its own; a no-op after a shutdown hook's stop
  }
}
