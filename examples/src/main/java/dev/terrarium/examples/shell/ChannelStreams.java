package dev.terrarium.examples.shell;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * Blocking streams over a {@link SocketChannel} that can read and write at the same time. On Java 17 the streams
 * of {@code Channels.newInputStream/newOutputStream} take the channel's blocking lock for every read and write
 * (JDK-8279339, fixed in Java 19), so a read blocked on one thread (the guest's input pump, waiting for the
 * client) would hold up every write on another (the guest's answer, the server's last error line). A socket
 * channel itself reads and writes under separate locks, so these streams call it directly.
 */
final class ChannelStreams {
  private ChannelStreams() {}

  static InputStream in(SocketChannel channel) {
    Objects.requireNonNull(channel, "channel");
    return new InputStream() {
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
        return channel.read(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  static OutputStream out(SocketChannel channel) {
    Objects.requireNonNull(channel, "channel");
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        // A socket channel is interruptible: a write that begins with the thread's interrupt status set closes the
        // channel. The guest's output never meets an interrupt (Terrarium writes it from an output pump's own
        // thread, which stops do not interrupt), but the server's own last line is written by the session's thread,
        // so it runs with the status cleared and then restores it.
        boolean interrupted = Thread.interrupted();
        try {
          while (buffer.hasRemaining()) {
            channel.write(buffer);
          }
        } finally {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }
}
