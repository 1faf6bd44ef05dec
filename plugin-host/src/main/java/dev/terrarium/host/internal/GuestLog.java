package dev.terrarium.host.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A guest's standard error, line by line, to a {@link System.Logger} named after its plugin ({@code
 * dev.terrarium.plugin.ID}, at INFO): the default for an instance whose application gave no stream. Bounded, so that
 * a guest that floods its standard error costs the host little: a line keeps at most {@link #MAX_LINE_BYTES} (the
 * rest is counted, not kept), and an instance logs at most {@link #BURST_LINES} lines at once and {@link
 * #LINES_PER_SECOND} a second after that; the lines past that are dropped and counted in one later line. Control
 * characters are replaced, so that a guest cannot forge the layout of the log. It writes on the guest's thread,
 * without a pump: give the logger a back end that does not block (an asynchronous appender) if it may.
 */
public final class GuestLog extends OutputStream {
  /** The most bytes of one line that are logged. */
  public static final int MAX_LINE_BYTES = 4096;
  /** The lines an instance may log at once. */
  public static final int BURST_LINES = 200;
  /** The lines an instance may log a second, after its burst. */
  public static final int LINES_PER_SECOND = 20;

  private static final long NANOS_PER_LINE = 1_000_000_000L / LINES_PER_SECOND;

  private final System.Logger logger;
  private final String prefix;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
  /** Bytes of the current line past {@link #MAX_LINE_BYTES}. */
  private long cut;
  /** Lines not logged because the instance was over its rate, since the last one that was. */
  private long dropped;
  /** Lines the instance may log now (up to {@link #BURST_LINES}), refilled with time. */
  private long tokens = BURST_LINES;
  private long refilledAt = System.nanoTime();
  private boolean finished;

  /**
   * @param pluginId names the logger
   * @param instance says which instance wrote each line (for example {@code "instance 7 (tenant 'acme')"})
   */
  public GuestLog(String pluginId, String instance) {
    this.logger = System.getLogger("dev.terrarium.plugin." + pluginId);
    this.prefix = instance + ": ";
  }

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      endLine();
    } else if (line.size() < MAX_LINE_BYTES) {
      line.write(b);
    } else {
      cut++;
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    int end = off + len;
    int from = off;
    for (int i = off; i < end; i++) {
      if (b[i] == '\n') {
        append(b, from, i - from);
        endLine();
        from = i + 1;
      }
    }
    append(b, from, end - from);
  }

  private void append(byte[] b, int off, int len) {
    int room = Math.max(0, MAX_LINE_BYTES - line.size());
    int kept = Math.min(room, len);
    line.write(b, off, kept);
    cut += len - kept;
  }

  /** Logs what is left of a last line without a newline, and the count of lines dropped. Idempotent. */
  public synchronized void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (line.size() > 0 || cut > 0) {
      endLine();
    }
    if (dropped > 0 && logger.isLoggable(System.Logger.Level.INFO)) {
      logger.log(System.Logger.Level.INFO, prefix + dropped + " more lines of standard error were dropped");
      dropped = 0;
    }
  }

  private void endLine() {
    byte[] bytes = line.toByteArray();
    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    long cutBytes = cut;
    line.reset();
    cut = 0;
    if (!logger.isLoggable(System.Logger.Level.INFO)) {
      return;
    }
    if (!take()) {
      dropped++;
      return;
    }
    StringBuilder message = new StringBuilder(prefix.length() + bytes.length + 48);
    message.append(prefix); // first, as on every line of the instance
    if (dropped > 0) {
      message.append('(').append(dropped).append(" lines of standard error dropped before this one) ");
      dropped = 0;
    }
    String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      message.append(c < 0x20 && c != '\t' || c == 0x7f ? '\uFFFD' : c);
    }
    if (cutBytes > 0) {
      message.append(" [").append(cutBytes).append(" more bytes cut]");
    }
    logger.log(System.Logger.Level.INFO, message.toString());
  }

  /** Takes a token for a line, refilling the bucket for the time since the last refill. */
  private boolean take() {
    if (tokens == 0) {
      long now = System.nanoTime();
      long earned = (now - refilledAt) / NANOS_PER_LINE;
      if (earned > 0) {
        tokens = Math.min(BURST_LINES, earned);
        refilledAt = now;
      }
    }
    if (tokens == 0) {
      return false;
    }
    tokens--;
    return true;
  }
}
