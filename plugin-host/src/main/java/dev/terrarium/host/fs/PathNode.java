package dev.terrarium.host.fs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;

/**
 * What the nodes of a {@link PathFs} share: the entry they name, by its path below the root. A node follows its
 * path, not its inode: once the entry is renamed away the node names whatever takes its place.
 */
abstract sealed class PathNode implements Node permits PathDirectory, PathFile, PathSymlink {
  final PathFs fs;
  final Path path;
  /** How many names below the root; 0 for the root. */
  final int depth;

  PathNode(PathFs fs, Path path, int depth) {
    this.fs = fs;
    this.path = path;
    this.depth = depth;
  }

  /** The directory holding this entry (the root for the root). */
  final Path parent() {
    return depth == 0 ? path : path.getParent();
  }

  @Override
  public NodeStat stat() {
    return Errors.io(
        () -> {
          fs.checkInside(parent());
          NodeStat stat = fs.attrs(path).stat();
          fs.checkInside(parent());
          return stat;
        });
  }

  @Override
  public void setTimes(Long accessTime, Long modifyTime) {
    fs.change(
        () -> {
          fs.checkInside(parent());
          Files.getFileAttributeView(path, BasicFileAttributeView.class, PathFs.NOFOLLOW)
              .setTimes(PathFs.fileTime(modifyTime), PathFs.fileTime(accessTime), null);
          return null;
        });
  }

  @Override
  public boolean writable() {
    return !fs.readOnly;
  }

  /** Whether {@code other} belongs to the same file system as this node. */
  final boolean sameFs(Node other) {
    return other instanceof PathNode p && p.fs == fs;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + (depth == 0 ? "/" : "/" + fs.root.relativize(path)) + "]";
  }
}
