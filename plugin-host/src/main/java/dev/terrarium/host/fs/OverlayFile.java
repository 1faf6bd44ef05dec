package dev.terrarium.host.fs;

import java.nio.ByteBuffer;
import java.util.List;

/** A file of an {@link OverlayFs}: read where it is, copied up before it changes. */
final class OverlayFile extends OverlayNode implements FileNode {
  OverlayFile(OverlayFs fs, List<String> path) {
    super(fs, path);
  }

  private static FileNode asFile(Node node, OverlayFile self) {
    if (node instanceof FileNode f) {
      return f;
    }
    throw new FsException(node instanceof DirectoryNode ? FsError.ISDIR : FsError.INVAL, self + " is no longer a file");
  }

  /** Whether changing the visible node needs a copy-up first: a lower regular file. */
  private boolean needsCopyUp(Node visible) {
    return fs.upperAt(path) == null && visible.stat().type() == NodeType.REGULAR_FILE;
  }

  @Override
  public OpenFile open(boolean read, boolean write) {
    if (!write) {
      return fs.read(
          () -> {
            Node inUpper = fs.upperAt(path);
            FileNode file = asFile(inUpper != null ? inUpper : fs.visibleOrFail(path), this);
            return new Open(file.open(read, false), inUpper != null ? null : this);
          });
    }
    return fs.write(
        () -> {
          Node visible = fs.visibleOrFail(path);
          FileNode file = asFile(needsCopyUp(visible) ? fs.copyUp(path) : visible, this);
          return new Open(file.open(read, true), null);
        });
  }

  @Override
  public void truncate(long size) {
    fs.write(
        () -> {
          Node visible = fs.visibleOrFail(path);
          asFile(needsCopyUp(visible) ? fs.copyUp(path) : visible, this).truncate(size);
          return null;
        });
  }

  @Override
  public void setTimes(Long accessTime, Long modifyTime) {
    fs.write(
        () -> {
          Node visible = fs.visibleOrFail(path);
          (needsCopyUp(visible) ? fs.copyUp(path) : visible).setTimes(accessTime, modifyTime);
          return null;
        });
  }

  /**
   * An open file of the overlay: reports the overlay's identity, and sets times through the node when it reads a
   * lower file (which copies it up).
   */
  private final class Open implements OpenFile {
    private final OpenFile open;
    /** The node to set times through, or {@code null} to set them on the open file itself. */
    private final OverlayFile timesThrough;

    Open(OpenFile open, OverlayFile timesThrough) {
      this.open = open;
      this.timesThrough = timesThrough;
    }

    @Override
    public boolean seekable() {
      return open.seekable();
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      return open.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) {
      return open.write(src, position);
    }

    @Override
    public long size() {
      return open.size();
    }

    @Override
    public void truncate(long size) {
      open.truncate(size);
    }

    @Override
    public void sync() {
      open.sync();
    }

    @Override
    public NodeStat stat() {
      return fs.mapStat(open.stat());
    }

    @Override
    public void setTimes(Long accessTime, Long modifyTime) {
      if (timesThrough != null) {
        timesThrough.setTimes(accessTime, modifyTime);
      } else {
        open.setTimes(accessTime, modifyTime);
      }
    }

    @Override
    public void close() {
      open.close();
    }
  }
}
