package dev.terrarium.host.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A guest's standard output or error over any {@link OutputStream}, written so that the guest can always be
 * stopped: the guest's writes go into a bounded buffer, which a writer thread of its own writes to the stream and
 * flushes, and the guest waits only for room in the buffer (and, at the end of each call, for the buffer to be
 * written: {@link #drain}), in interruptible waits. A deadline or a cancel therefore ends a guest blocked on a
 * client that does not read, and the stop's interrupt never reaches the stream (an interruptible channel, such as
 * a socket channel, would be closed by it).
 *
 * <p>A write returns once its bytes are buffered, so a guest that writes line by line does not wait for each line
 * to reach the stream; everything a call wrote is in the stream when the call returns. A failure of the stream
 * is reported to the guest's next write. The writer thread starts at the first write and ends after {@link
 * #close}, once what was buffered is written (or its write in progress fails). It never closes the stream.
 */
public final class OutputPump extends OutputStream {
  /** The most bytes buffered and not yet handed to the writer. */
  static final int CAPACITY = 64 * 1024;

  private final OutputStream out;
  private final String threadName;
  private final Object lock = new Object();
  // All guarded by lock.
  private byte[] buffer = new byte[0];
  private int count;
  private boolean writing;
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
    synchronized (lock) {
      throwPendingError();
      if (closed) {
        throw new IOException("the instance is closed");
      }
      // A write larger than the buffer waits for it to empty and then goes in whole (the buffer grows for it).
      while (count > 0 && count + len > Math.max(CAPACITY, len)) {
        GuestStop.await(lock, Long.MAX_VALUE, "writing its output");
        throwPendingError();
      }
      if (buffer.length < count + len) {
        buffer = java.util.Arrays.copyOf(buffer, Math.max(count + len, Math.min(CAPACITY, 2 * buffer.length + 256)));
      }
      System.arraycopy(b, off, buffer, count, len);
      count += len;
      if (writer == null) {
        writer = new Thread(this::writeLoop, threadName);
        writer.setDaemon(true);
        writer.start();
      }
      lock.notifyAll();
    }
  }

  private void throwPendingError() throws IOException {
    IOException e = error;
    if (e != null) {
      error = null;
      throw e;
    }
  }

  /**
   * Waits until everything written so far is in the stream (or the stream failed). Interruptible: a stop ends
   * the wait with {@link GuestStop}.
   */
  public void drain() {
    synchronized (lock) {
      while ((count > 0 || writing) && error == null) {
        GuestStop.await(lock, Long.MAX_VALUE, "waiting for its output to be written");
      }
    }
  }

  /** The writer flushes after every chunk: nothing to do (a flush must not wait, or lines would be slow). */
  @Override
  public void flush() {}

  private void writeLoop() {
    byte[] spare = new byte[0];
    while (true) {
      byte[] chunk;
      int length;
      synchronized (lock) {
        while (count == 0 && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return; // nobody interrupts the writer but the JVM's shutdown
          }
        }
        if (count == 0) {
          return; // closed, everything written
        }
        chunk = buffer;
        length = count;
        buffer = spare.length >= CAPACITY ? spare : new byte[Math.min(CAPACITY, Math.max(256, length))];
        count = 0;
        writing = true;
        lock.notifyAll(); // room for the guest
      }
      IOException failure = null;
      try {
        out.write(chunk, 0, length);
        out.flush();
      } catch (IOException e) {
        failure = e;
      } catch (RuntimeException e) {
        failure = new IOException("the output stream failed: " + e, e);
      }
      synchronized (lock) {
        writing = false;
        if (failure != null) {
          error = failure;
          count = 0; // what could not be written is dropped; the guest hears of the failure at its next write
        }
        spare = chunk;
        lock.notifyAll();
        if (failure != null && closed) {
          return;
        }
      }
    }
  }

  /** Stops the writer once what is buffered has been written; the stream itself stays open. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
  }
}
