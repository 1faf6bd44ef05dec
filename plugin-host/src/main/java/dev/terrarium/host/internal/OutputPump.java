package dev.terrarium.host.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * A guest's standard output or error over any {@link OutputStream}, written so that the guest can always be
 * stopped: each write is handed to a writer thread of its own, which writes and flushes it, while the guest's
 * thread waits for it to finish in an interruptible wait. A deadline or a cancel therefore ends a guest blocked on
 * a client that does not read, and the stop's interrupt never reaches the stream (an interruptible channel, such as
 * a socket channel, would be closed by it).
 *
 * <p>Writes stay synchronous for the guest: a write returns when its bytes are in the stream, and the stream's
 * error is the write's error. Only when the guest is stopped during a write does the writer finish that write
 * alone. The writer thread starts at the first write and ends after {@link #close}, once its write in progress
 * returns. It never closes the stream.
 */
public final class OutputPump extends OutputStream {
  private final OutputStream out;
  private final String threadName;
  private final Object lock = new Object();
  // All guarded by lock.
  private byte[] pending;
  private IOException error;
  private boolean closed;
  private Thread writer;

  public OutputPump(OutputStream out, String threadName) {
    this.out = Objects.requireNonNull(out, "out");
    this.threadName = Objects.requireNonNull(threadName, "threadName");
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return;
    }
    byte[] copy = Arrays.copyOfRange(b, off, off + len); // the writer may still hold it if the guest is stopped
    synchronized (lock) {
      awaitIdle();
      if (closed) {
        throw new IOException("the instance is closed");
      }
      pending = copy;
      if (writer == null) {
        writer = new Thread(this::writeLoop, threadName);
        writer.setDaemon(true);
        writer.start();
      }
      lock.notifyAll();
      awaitIdle();
      IOException e = error;
      if (e != null) {
        error = null;
        throw e;
      }
    }
  }

  /** Waits, interruptibly, until no write is in progress. Hold the lock. */
  private void awaitIdle() {
    while (pending != null) {
      if (Thread.currentThread().isInterrupted()) {
        throw new GuestStop("stopped while writing its output");
      }
      try {
        lock.wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the slot that interrupted clears it when the call exits
        throw new GuestStop("stopped while writing its output");
      }
    }
  }

  /** Every write is flushed by the writer: nothing to do. */
  @Override
  public void flush() {}

  private void writeLoop() {
    while (true) {
      byte[] bytes;
      synchronized (lock) {
        while (pending == null && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return; // nobody interrupts the writer but the JVM's shutdown
          }
        }
        if (pending == null) {
          return; // closed, nothing left to write
        }
        bytes = pending;
      }
      IOException failure = null;
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        failure = e;
      } catch (RuntimeException e) {
        failure = new IOException("the output stream failed: " + e, e);
      }
      synchronized (lock) {
        pending = null;
        error = failure;
        lock.notifyAll();
      }
    }
  }

  /** Stops the writer (once its write in progress returns); the stream itself stays open. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
  }
}
