package dev.terrarium.host.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * A guest's standard input over any {@link InputStream}, read so that the guest can always be stopped: the
 * stream's blocking {@code read} runs on a pump thread of its own, while the guest's thread waits for the bytes in
 * an interruptible wait. A deadline or a cancel therefore ends a guest blocked on its input at once, whether the
 * stream is a socket, a pipe or {@code System.in}; and a session's idle timeout is the longest such wait.
 *
 * <p>The pump reads only when the guest asks, at most what it asks for, so nothing is read ahead of the guest
 * except the bytes of one read that was in progress when the guest was stopped (they are lost to the
 * application). The pump thread is started at the first read and ends at the end of the stream, at a read error,
 * or, after {@link #close}, as soon as its read in progress returns. It never closes the stream.
 */
public final class InputPump extends InputStream {
  /** The most bytes one read of the stream asks for. */
  static final int CHUNK = 64 * 1024;

  private final InputStream in;
  private final String threadName;
  private final Object lock = new Object();
  // All guarded by lock.
  private byte[] buffer = new byte[0];
  private int start;
  private int end;
  private int requested;
  private boolean eof;
  private IOException error;
  private boolean closed;
  private Thread pump;
  // The session's idle timeout (0 for none) and what to do when it passes; set between calls.
  private volatile long idleNanos;
  private volatile Runnable onIdle;

  public InputPump(InputStream in, String threadName) {
    this.in = Objects.requireNonNull(in, "in");
    this.threadName = Objects.requireNonNull(threadName, "threadName");
  }

  /**
   * Sets the longest a read may wait for input ({@code nanos} 0 for no bound); when it passes, {@code onIdle} runs
   * on the reading thread and the read ends the call with {@link GuestStop}.
   */
  public void idleTimeout(long nanos, Runnable onIdle) {
    this.onIdle = onIdle;
    this.idleNanos = nanos;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    long idle = idleNanos;
    long deadline = idle == 0 ? 0 : System.nanoTime() + idle;
    synchronized (lock) {
      while (end == start) {
        if (eof || closed) {
          return -1;
        }
        if (error != null) {
          IOException e = error;
          error = null;
          throw e;
        }
        if (requested == 0) {
          requested = Math.min(len, CHUNK);
          startPump();
          lock.notifyAll();
        }
        long waitNanos = Long.MAX_VALUE;
        if (idle != 0) {
          waitNanos = deadline - System.nanoTime();
          if (waitNanos <= 0) {
            Runnable r = onIdle;
            if (r != null) {
              r.run();
            }
            throw new GuestStop("no input for longer than the session's idle timeout");
          }
        }
        GuestStop.await(lock, waitNanos, "waiting for standard input");
      }
      int n = Math.min(len, end - start);
      System.arraycopy(buffer, start, b, off, n);
      start += n;
      return n;
    }
  }

  /** Bytes readable without waiting; the pump cannot know more than what it has already read. */
  @Override
  public int available() {
    synchronized (lock) {
      return end - start;
    }
  }

  private void startPump() {
    if (pump == null) {
      pump = new Thread(this::pump, threadName);
      pump.setDaemon(true);
      pump.start();
    }
  }

  private void pump() {
    byte[] chunk = null;
    while (true) {
      int want;
      synchronized (lock) {
        while (requested == 0 && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return; // nobody interrupts the pump but the JVM's shutdown
          }
        }
        if (closed) {
          return;
        }
        want = requested;
      }
      if (chunk == null || chunk.length < want) {
        chunk = new byte[want];
      }
      int n;
      IOException failure = null;
      try {
        n = in.read(chunk, 0, want);
      } catch (IOException e) {
        n = 0;
        failure = e;
      } catch (RuntimeException e) {
        n = 0;
        failure = new IOException("the standard input stream failed: " + e, e);
      }
      synchronized (lock) {
        requested = 0;
        if (failure != null) {
          error = failure;
        } else if (n < 0) {
          eof = true;
        } else if (n > 0) {
          if (buffer.length < n) {
            buffer = new byte[n];
          }
          System.arraycopy(chunk, 0, buffer, 0, n);
          start = 0;
          end = n;
        }
        lock.notifyAll();
        if (eof || closed) {
          return;
        }
      }
    }
  }

  /** Stops the pump (once its read in progress returns); the stream itself stays open. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
  }
}
