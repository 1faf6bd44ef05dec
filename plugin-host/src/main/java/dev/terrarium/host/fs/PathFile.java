package dev.terrarium.host.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/** A regular file of a {@link PathFs} (or, in a host directory, a fifo, socket or device that is never opened). */
final class PathFile extends PathNode implements FileNode {
  private final NodeType type;

  PathFile(PathFs fs, Path path, int depth, NodeType type) {
    super(fs, path, depth);
    this.type = type;
  }

  @Override
  public OpenFile open(boolean read, boolean write) {
    if (write) {
      fs.checkWritable();
    }
    if (type != NodeType.REGULAR_FILE) {
      throw new FsException(FsError.ACCES, "only regular files can be opened in a mounted directory");
    }
    Errors.IoCall<OpenFile> opening =
        () -> {
          fs.checkInside(parent());
          PathFs.Attrs a = fs.attrs(path);
          checkRegular(a);
          Set<OpenOption> options = new HashSet<>();
          options.add(LinkOption.NOFOLLOW_LINKS);
          if (read || !write) {
            options.add(StandardOpenOption.READ);
          }
          if (write) {
            options.add(StandardOpenOption.WRITE);
          }
          if (fs.confined && !PathFs.OPEN_HOST_FILES.tryAcquire()) {
            throw new FsException(
                FsError.NFILE, PathFs.MAX_OPEN_HOST_FILES + " host files are open already; close some");
          }
          FileChannel channel;
          try {
            channel = FileChannel.open(path, options);
          } catch (IOException | RuntimeException e) {
            if (fs.confined) {
              PathFs.OPEN_HOST_FILES.release();
            }
            throw e;
          }
          try {
            fs.checkInside(parent());
            PathOpenFile open = new PathOpenFile(fs, this, channel, read || !write, write, a);
            channel = null;
            return open;
          } finally {
            if (channel != null) {
              channel.close();
              if (fs.confined) {
                PathFs.OPEN_HOST_FILES.release();
              }
            }
          }
        };
    if (fs.usage == null) {
      return Errors.io(opening);
    }
    synchronized (fs.usage) { // the inode read and the open must agree for the accounting
      return Errors.io(opening);
    }
  }

  @Override
  public void truncate(long size) {
    if (size < 0) {
      throw new FsException(FsError.INVAL, "a size cannot be negative: " + size);
    }
    fs.change(
        () -> {
          fs.checkInside(parent());
          PathFs.Attrs a = fs.attrs(path);
          checkRegular(a);
          try (FileChannel channel = FileChannel.open(path, LinkOption.NOFOLLOW_LINKS, StandardOpenOption.WRITE)) {
            fs.checkInside(parent());
            resize(fs, channel, a.inode(), size);
          }
          return null;
        });
  }

  private void checkRegular(PathFs.Attrs a) {
    switch (a.type()) {
      case REGULAR_FILE -> {}
      case DIRECTORY -> throw new FsException(FsError.ISDIR, this + " became a directory");
      case SYMBOLIC_LINK -> throw new FsException(FsError.LOOP, this + " became a symbolic link");
      default -> throw new FsException(FsError.ACCES, this + " is not a regular file");
    }
  }

  /** Cuts or zero-extends the file open on {@code channel}, quota first. Caller is in a change. */
  static void resize(PathFs fs, FileChannel channel, long inode, long size) throws IOException {
    long old = channel.size();
    if (size == old) {
      return;
    }
    Usage usage = fs.usage;
    if (usage != null) {
      usage.resize(inode, size - old);
    }
    boolean done = false;
    try {
      if (size < old) {
        channel.truncate(size);
      } else {
        channel.write(ByteBuffer.allocate(1), size - 1);
      }
      done = true;
    } finally {
      if (!done && usage != null) {
        usage.resize(inode, channel.size() - size);
      }
    }
  }
}
