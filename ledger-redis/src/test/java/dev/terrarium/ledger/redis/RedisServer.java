package dev.terrarium.ledger.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for the tests, on a free port of 127.0.0.1, without persistence, in a directory of
 * its own. {@code scripts/install-toolchains.sh} installs it; when it is missing the tests fail (they do not skip:
 * CI must run them).
 */
final class RedisServer implements AutoCloseable {
  private final Path dir;
  private final int port;
  private Process process;

  private RedisServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server on a free port, with {@code dir} as its working directory. */
  static RedisServer start(Path dir) throws IOException {
    RedisServer s = new RedisServer(dir, freePort());
    s.startProcess();
    return s;
  }

  static String executable() {
    String configured = System.getenv("TERRARIUM_REDIS_SERVER");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, "redis-server");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new AssertionError(
        "redis-server is not on the PATH: the ledger-redis tests run against a real Redis. Install it with"
            + " scripts/install-toolchains.sh (Debian package redis-server), or set TERRARIUM_REDIS_SERVER to its"
            + " path.");
  }

  /** Starts the server again on the same port (after {@link #kill}); its data is gone, as after a crash. */
  void restart() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the server is running");
    }
    startProcess();
  }

  private void startProcess() throws IOException {
    Files.createDirectories(dir);
    Path log = dir.resolve("redis-" + port + ".log");
    process =
        new ProcessBuilder(
                List.of(
                    executable(),
                    "--port", Integer.toString(port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", dir.toString(),
                    "--daemonize", "no"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("redis-server exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      if (ping()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    process.destroyForcibly();
    throw new AssertionError("redis-server did not answer PING within 10 s: " + Files.readString(log));
  }

  private boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.readNBytes(buf, 0, 7);
      return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    } catch (IOException e) {
      return false;
    }
  }

  int port() {
    return port;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A port nothing listens on right now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
