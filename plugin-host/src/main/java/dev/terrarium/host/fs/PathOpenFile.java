package dev.terrarium.host.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributeView;

/** An open regular file of a {@link PathFs}: a {@link FileChannel}, with writes counted against the quota. */
final class PathOpenFile implements OpenFile {
  private final PathFs fs;
  private final PathFile file;
  private final FileChannel channel;
  private final boolean readable;
  private final boolean writable;
  /** What the file was when opened: its identity for accounting and for {@link #stat()} once it moved. */
  private final PathFs.Attrs opened;
  private boolean closed;

  /** Caller holds the quota lock, if any. */
  PathOpenFile(PathFs fs, PathFile file, FileChannel channel, boolean readable, boolean writable, PathFs.Attrs a) {
    this.fs = fs;
    this.file = file;
    this.channel = channel;
    this.readable = readable;
    this.writable = writable;
    this.opened = a;
    if (fs.usage != null) {
      fs.usage.opened(a.inode());
    }
  }

  @Override
  public boolean seekable() {
    return true;
  }

  @Override
  public int read(ByteBuffer dst, long position) {
    if (!readable) {
      throw new FsException(FsError.BADF, "not open for reading");
    }
    checkPosition(position);
    return Errors.io(() -> channel.read(dst, position));
  }

  @Override
  public int write(ByteBuffer src, long position) {
    if (!writable) {
      throw new FsException(FsError.BADF, "not open for writing");
    }
    checkPosition(position);
    int length = src.remaining();
    if (position > Long.MAX_VALUE - length) {
      throw new FsException(FsError.FBIG, "a write at " + position + " would pass the largest size");
    }
    Usage usage = fs.usage;
    if (usage == null) {
      return Errors.io(() -> writeFully(src, position));
    }
    synchronized (usage) {
      return Errors.io(
          () -> {
            long size = channel.size();
            long growth = Math.max(0, position + length - size);
            usage.resize(opened.inode(), growth);
            boolean done = false;
            try {
              int written = writeFully(src, position);
              done = true;
              return written;
            } finally {
              if (!done) {
                usage.resize(opened.inode(), channel.size() - size - growth);
              }
            }
          });
    }
  }

  private int writeFully(ByteBuffer src, long position) throws IOException {
    int total = 0;
    while (src.hasRemaining()) {
      total += channel.write(src, position + total);
    }
    return total;
  }

  private static void checkPosition(long position) {
    if (position < 0) {
      throw new FsException(FsError.INVAL, "a position cannot be negative: " + position);
    }
  }

  @Override
  public long size() {
    return Errors.io(channel::size);
  }

  @Override
  public void truncate(long size) {
    if (!writable) {
      throw new FsException(FsError.BADF, "not open for writing");
    }
    if (size < 0) {
      throw new FsException(FsError.INVAL, "a size cannot be negative: " + size);
    }
    fs.change(
        () -> {
          PathFile.resize(fs, channel, opened.inode(), size);
          return null;
        });
  }

  @Override
  public void sync() {
    Errors.io(() -> channel.force(true));
  }

  @Override
  public NodeStat stat() {
    return Errors.io(
        () -> {
          PathFs.Attrs now = current();
          if (now != null) {
            return now.stat();
          }
          // Renamed or removed since it was opened: what is known of it.
          return new NodeStat(
              opened.device(),
              opened.inode(),
              NodeType.REGULAR_FILE,
              0,
              channel.size(),
              opened.atime(),
              opened.mtime(),
              opened.ctime());
        });
  }

  /** The attributes at the file's path when it still names this file, else {@code null}. */
  private PathFs.Attrs current() throws IOException {
    try {
      fs.checkInside(file.parent());
    } catch (FsException e) {
      return null;
    }
    PathFs.Attrs now = fs.attrsOrNull(file.path);
    return now != null && now.inode() == opened.inode() && now.device() == opened.device() ? now : null;
  }

  @Override
  public void setTimes(Long accessTime, Long modifyTime) {
    fs.change(
        () -> {
          if (current() == null) {
            throw new FsException(FsError.NOTSUP, "the file moved since it was opened; set its times by name");
          }
          Files.getFileAttributeView(file.path, BasicFileAttributeView.class, PathFs.NOFOLLOW)
              .setTimes(PathFs.fileTime(modifyTime), PathFs.fileTime(accessTime), null);
          return null;
        });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (fs.confined) {
      PathFs.OPEN_HOST_FILES.release();
    }
    Usage usage = fs.usage;
    if (usage == null) {
      Errors.io(channel::close);
      return;
    }
    synchronized (usage) {
      try {
        Errors.io(channel::close);
      } finally {
        usage.closed(opened.inode());
      }
    }
  }
}
