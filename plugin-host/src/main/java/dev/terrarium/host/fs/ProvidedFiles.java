package dev.terrarium.host.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Files whose content the host provides: fixed bytes, streams and sinks, to be placed in a tree with
 * {@link VirtualDirectory}. Every node is thread-safe and reports the same device; each has its own inode.
 *
 * <pre>{@code
 * DirectoryNode etc = VirtualDirectory.builder()
 *     .add("config.json", ProvidedFiles.bytes(json))
 *     .add("log", ProvidedFiles.lines(logger::info))
 *     .build();
 * }</pre>
 */
public final class ProvidedFiles {
  /** A log line longer than this is delivered in pieces of at most this many bytes. */
  public static final int MAX_LINE_BYTES = 64 * 1024;

  private ProvidedFiles() {}

  /** A read-only regular file holding a copy of {@code content}; writing it fails with {@link FsError#ROFS}. */
  public static FileNode bytes(byte[] content) {
    byte[] copy = Objects.requireNonNull(content, "content").clone();
    return new ProvidedFile(NodeType.REGULAR_FILE, true, false, copy.length, (read, write) -> new BytesOpen(copy));
  }

  /**
   * A read-only stream ({@link NodeType#CHARACTER_DEVICE}, not seekable): each {@link FileNode#open} reads a new
   * stream from {@code streams}, closed when the open file is.
   */
  public static FileNode stream(Supplier<? extends InputStream> streams) {
    Objects.requireNonNull(streams, "streams");
    return new ProvidedFile(
        NodeType.CHARACTER_DEVICE,
        true,
        false,
        0,
        (read, write) -> {
          InputStream in;
          try {
            in = streams.get();
          } catch (RuntimeException e) {
            throw new FsException(FsError.IO, "the host's stream could not be opened: " + e, e);
          }
          if (in == null) {
            throw new FsException(FsError.IO, "the host gave no stream");
          }
          return new InputOpen(in, true);
        });
  }

  /**
   * A write-only stream into {@code out} ({@link NodeType#CHARACTER_DEVICE}, not seekable); opening it for reading
   * fails with {@link FsError#ACCES}. All opens share {@code out}, which is flushed on {@link OpenFile#sync()} and
   * {@link OpenFile#close()} and never closed.
   */
  public static FileNode sink(OutputStream out) {
    Objects.requireNonNull(out, "out");
    return new ProvidedFile(NodeType.CHARACTER_DEVICE, false, true, 0, (read, write) -> new OutputOpen(out, false));
  }

  /**
   * A write-only log sink ({@link NodeType#CHARACTER_DEVICE}): what is written is cut into lines, each decoded as
   * UTF-8 (malformed bytes become U+FFFD) and given to {@code lines} without its {@code \n} or {@code \r\n}. An
   * unfinished last line is given when the open file closes; lines longer than {@link #MAX_LINE_BYTES} are given in
   * pieces. Each open file cuts its own lines; calls to {@code lines} never overlap.
   */
  public static FileNode lines(Consumer<String> lines) {
    Objects.requireNonNull(lines, "lines");
    Object lock = new Object();
    return new ProvidedFile(NodeType.CHARACTER_DEVICE, false, true, 0, (read, write) -> new LinesOpen(lines, lock));
  }

  /**
   * A standard input: every open reads {@code in} itself (shared, from where the last reader stopped). Closing the
   * open file leaves {@code in} open.
   */
  public static FileNode input(InputStream in) {
    Objects.requireNonNull(in, "in");
    return new ProvidedFile(NodeType.CHARACTER_DEVICE, true, false, 0, (read, write) -> new InputOpen(in, false));
  }

  /**
   * A standard output or error: every open writes {@code out} itself, flushing after each write. Closing the open
   * file leaves {@code out} open.
   */
  public static FileNode output(OutputStream out) {
    Objects.requireNonNull(out, "out");
    return new ProvidedFile(NodeType.CHARACTER_DEVICE, false, true, 0, (read, write) -> new OutputOpen(out, true));
  }

  @FunctionalInterface
  private interface Opener {
    Source open(boolean read, boolean write);
  }

  /**
   * The content behind an open provided file. {@link Guarded} wraps it into an {@link OpenFile}: it checks what the
   * file was opened for and answers status and times from the node.
   */
  private interface Source {
    boolean seekable();

    int read(ByteBuffer dst, long position);

    int write(ByteBuffer src, long position);

    long size();

    void truncate(long size);

    /** As {@link OpenFile#available()}. */
    default long available() {
      return -1;
    }

    default void sync() {}

    default void close() {}
  }

  private static final class ProvidedFile implements FileNode {
    private final NodeType type;
    private final boolean readable;
    private final boolean writable;
    private final long size;
    private final Opener opener;
    private final long inode = Devices.newProvidedInode();
    private long accessTime;
    private long modifyTime;
    private final long changeTime;

    ProvidedFile(NodeType type, boolean readable, boolean writable, long size, Opener opener) {
      this.type = type;
      this.readable = readable;
      this.writable = writable;
      this.size = size;
      this.opener = opener;
      long now = Clock.nanos();
      this.accessTime = now;
      this.modifyTime = now;
      this.changeTime = now;
    }

    @Override
    public OpenFile open(boolean read, boolean write) {
      if (write && !writable) {
        throw Errors.readOnly();
      }
      if (read && !readable) {
        throw new FsException(FsError.ACCES, "this file can only be written");
      }
      return new Guarded(this, opener.open(read, write), read, write);
    }

    @Override
    public void truncate(long newSize) {
      if (!writable) {
        throw Errors.readOnly();
      }
      throw new FsException(FsError.INVAL, "a stream has no size to set");
    }

    @Override
    public synchronized NodeStat stat() {
      return new NodeStat(Devices.PROVIDED, inode, type, 1, size, accessTime, modifyTime, changeTime);
    }

    @Override
    public synchronized void setTimes(Long newAccessTime, Long newModifyTime) {
      if (!writable) {
        throw Errors.readOnly();
      }
      if (newAccessTime != null) {
        accessTime = newAccessTime;
      }
      if (newModifyTime != null) {
        modifyTime = newModifyTime;
      }
    }

    @Override
    public boolean writable() {
      return writable;
    }

    @Override
    public String toString() {
      return "ProvidedFile[" + type + (readable ? ", readable" : "") + (writable ? ", writable" : "") + "]";
    }
  }

  /** Checks what the file was opened for and turns the stream's failures into {@link FsException}s. */
  private static final class Guarded implements OpenFile {
    private final ProvidedFile node;
    private final Source open;
    private final boolean read;
    private final boolean write;
    private boolean closed;

    Guarded(ProvidedFile node, Source open, boolean read, boolean write) {
      this.node = node;
      this.open = open;
      this.read = read;
      this.write = write;
    }

    private void checkOpen() {
      if (closed) {
        throw new FsException(FsError.BADF, "the file is closed");
      }
    }

    @Override
    public boolean seekable() {
      return open.seekable();
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      checkOpen();
      if (!read) {
        throw new FsException(FsError.BADF, "not open for reading");
      }
      if (position < 0) {
        throw new FsException(FsError.INVAL, "a position cannot be negative: " + position);
      }
      return Errors.io(() -> open.read(dst, position));
    }

    @Override
    public long available() {
      return closed || !read ? -1 : open.available();
    }

    @Override
    public int write(ByteBuffer src, long position) {
      checkOpen();
      if (!write) {
        throw new FsException(FsError.BADF, "not open for writing");
      }
      try {
        return open.write(src, position); // the stream open files map their own failures
      } catch (RuntimeException e) {
        throw Errors.map(e);
      }
    }

    @Override
    public long size() {
      return open.size();
    }

    @Override
    public void truncate(long size) {
      checkOpen();
      if (!write) {
        throw new FsException(FsError.BADF, "not open for writing");
      }
      open.truncate(size);
    }

    @Override
    public void sync() {
      checkOpen();
      Errors.io(open::sync);
    }

    @Override
    public NodeStat stat() {
      return node.stat();
    }

    @Override
    public void setTimes(Long accessTime, Long modifyTime) {
      node.setTimes(accessTime, modifyTime);
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        Errors.io(open::close);
      }
    }
  }

  /** Reads an array, at positions. */
  private record BytesOpen(byte[] content) implements Source {
    @Override
    public boolean seekable() {
      return true;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      if (position >= content.length) {
        return dst.hasRemaining() ? -1 : 0;
      }
      int n = (int) Math.min(dst.remaining(), content.length - position);
      dst.put(content, (int) position, n);
      return n;
    }

    @Override
    public int write(ByteBuffer src, long position) {
      throw Errors.readOnly();
    }

    @Override
    public long size() {
      return content.length;
    }

    @Override
    public void truncate(long size) {
      throw Errors.readOnly();
    }
  }

  /** The shared part of the stream open files. */
  private abstract static class StreamOpen implements Source {
    @Override
    public boolean seekable() {
      return false;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      throw new FsException(FsError.BADF, "not open for reading");
    }

    @Override
    public int write(ByteBuffer src, long position) {
      throw new FsException(FsError.BADF, "not open for writing");
    }

    @Override
    public long size() {
      return 0;
    }

    @Override
    public void truncate(long size) {
      throw new FsException(FsError.INVAL, "a stream has no size to set");
    }
  }

  private static final class InputOpen extends StreamOpen {
    private final InputStream in;
    private final boolean owned;

    InputOpen(InputStream in, boolean owned) {
      this.in = in;
      this.owned = owned;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      if (!dst.hasRemaining()) {
        return 0;
      }
      return Errors.io(
          () -> {
            byte[] buffer = new byte[Math.min(dst.remaining(), 64 * 1024)];
            int n;
            synchronized (in) {
              n = in.read(buffer, 0, buffer.length);
            }
            if (n > 0) {
              dst.put(buffer, 0, n);
            }
            return n < 0 ? -1 : n;
          });
    }

    /**
     * What the stream says it has, or -1 (unknown) when it says nothing: {@code available()} cannot tell an
     * empty pipe from the end of the stream, and a poll must not wait forever at the end.
     */
    @Override
    public long available() {
      try {
        synchronized (in) {
          int n = in.available();
          return n > 0 ? n : -1;
        }
      } catch (java.io.IOException e) {
        return -1;
      }
    }

    @Override
    public void close() {
      if (owned) {
        Errors.io(in::close);
      }
    }
  }

  private static final class OutputOpen extends StreamOpen {
    private final OutputStream out;
    private final boolean flushEachWrite;

    OutputOpen(OutputStream out, boolean flushEachWrite) {
      this.out = out;
      this.flushEachWrite = flushEachWrite;
    }

    @Override
    public int write(ByteBuffer src, long position) {
      // No lock of ours: a stream shared by several instances must be thread-safe, as PrintStream is.
      int n = src.remaining();
      try {
        if (src.hasArray()) {
          out.write(src.array(), src.arrayOffset() + src.position(), n);
          src.position(src.position() + n);
        } else {
          byte[] bytes = new byte[n];
          src.get(bytes);
          out.write(bytes);
        }
        if (flushEachWrite) {
          out.flush();
        }
      } catch (java.io.IOException e) {
        throw Errors.map(e);
      }
      return n;
    }

    @Override
    public void sync() {
      Errors.io(
          () -> {
            synchronized (out) {
              out.flush();
            }
          });
    }

    @Override
    public void close() {
      sync();
    }
  }

  /** Cuts what is written into lines. */
  private static final class LinesOpen extends StreamOpen {
    private final Consumer<String> lines;
    private final Object lock;
    private byte[] pending = new byte[256];
    private int length;

    LinesOpen(Consumer<String> lines, Object lock) {
      this.lines = lines;
      this.lock = lock;
    }

    @Override
    public int write(ByteBuffer src, long position) {
      int written = src.remaining();
      while (src.hasRemaining()) {
        byte b = src.get();
        if (b == '\n') {
          deliver(length);
        } else {
          if (length == pending.length) {
            pending = Arrays.copyOf(pending, Math.min(pending.length * 2, MAX_LINE_BYTES));
          }
          pending[length++] = b;
          if (length == MAX_LINE_BYTES) {
            deliver(pieceEnd());
          }
        }
      }
      return written;
    }

    /** Where a piece of an overlong line may end without cutting a UTF-8 sequence. */
    private int pieceEnd() {
      int end = length;
      for (int back = 0; back < 3 && end > 0 && (pending[end - 1] & 0xC0) == 0x80; back++) {
        end--;
      }
      if (end > 0 && (pending[end - 1] & 0xC0) == 0xC0) {
        end--; // the lead byte of the cut sequence
      }
      return end == 0 ? length : end;
    }

    /** Gives the first {@code n} pending bytes as a line and keeps the rest. */
    private void deliver(int n) {
      int end = n > 0 && pending[n - 1] == '\r' ? n - 1 : n;
      String line;
      try {
        line =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .decode(ByteBuffer.wrap(pending, 0, end))
                .toString();
      } catch (IOException e) {
        throw new FsException(FsError.IO, "could not decode a line", e);
      }
      System.arraycopy(pending, n, pending, 0, length - n);
      length -= n;
      try {
        synchronized (lock) {
          lines.accept(line);
        }
      } catch (RuntimeException e) {
        throw new FsException(FsError.IO, "the host's line consumer failed: " + e, e);
      }
    }

    @Override
    public void close() {
      if (length > 0) {
        deliver(length);
      }
    }
  }

  /** Wall-clock nanoseconds, as precise as the JVM's clock. */
  static final class Clock {
    private Clock() {}

    static long nanos() {
      java.time.Instant now = java.time.Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
  }
}
