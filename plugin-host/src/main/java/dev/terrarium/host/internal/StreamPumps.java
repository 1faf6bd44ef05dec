package dev.terrarium.host.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The pumps between one instance's standard streams and the application's: one for each stream that can block
 * (anything but bytes in memory and the streams that discard), so that a stop never waits on, or interrupts, the
 * application's stream. See {@link InputPump} and {@link OutputPump}.
 */
public final class StreamPumps implements AutoCloseable {
  private final InputPump stdin;
  private final OutputPump stdout;
  private final OutputPump stderr;
  private final InputStream in;
  private final OutputStream out;
  private final OutputStream err;

  /**
   * @param neverBlocks streams known not to block (the defaults that discard), besides those in memory
   */
  public StreamPumps(
      InputStream in, OutputStream out, OutputStream err, String name, java.util.Set<Object> neverBlocks) {
    this.stdin = in instanceof ByteArrayInputStream || neverBlocks.contains(in) ? null : new InputPump(in, name + "-stdin");
    this.stdout =
        out instanceof ByteArrayOutputStream || neverBlocks.contains(out) ? null : new OutputPump(out, name + "-stdout");
    this.stderr =
        err instanceof ByteArrayOutputStream || err instanceof GuestLog || neverBlocks.contains(err)
            ? null
            : new OutputPump(err, name + "-stderr");
    this.in = stdin == null ? in : stdin;
    this.out = stdout == null ? out : stdout;
    this.err = stderr == null ? err : stderr;
  }

  /** The guest's standard input: the pump, or the application's stream when it cannot block. */
  public InputStream in() {
    return in;
  }

  public OutputStream out() {
    return out;
  }

  public OutputStream err() {
    return err;
  }

  /** The input pump (for a session's idle timeout), or {@code null} when the input cannot block. */
  public InputPump inputPump() {
    return stdin;
  }

  /** Whether any output is pumped (otherwise {@link #drain} has nothing to wait for). */
  public boolean pumpsOutput() {
    return stdout != null || stderr != null;
  }

  /**
   * Waits until everything the guest wrote is in the application's streams; a stop (an interrupt) ends the wait
   * with {@link GuestStop}.
   */
  public void drain() {
    if (stdout != null) {
      stdout.drain();
    }
    if (stderr != null) {
      stderr.drain();
    }
  }

  /** Stops every pump's thread; the application's streams stay open. */
  @Override
  public void close() {
    if (stdin != null) {
      stdin.close();
    }
    if (stdout != null) {
      stdout.close();
    }
    if (stderr != null) {
      stderr.close();
    }
    if (err instanceof GuestLog log) {
      log.finish();
    }
  }
}
