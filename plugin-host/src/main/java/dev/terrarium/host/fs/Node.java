package dev.terrarium.host.fs;

/**
 * A file-system object as the WASI layer sees it: a {@link DirectoryNode}, {@link FileNode} or
 * {@link SymlinkNode}. Implementations are thread-safe: several instances may share one file system.
 *
 * <p>Every operation may throw {@link FsException}; no other exception escapes (an {@link java.io.IOException}
 * from a backing store becomes {@link FsError#IO} or a more precise error).
 */
public interface Node {
  /** Returns its status, without following a symbolic link. */
  NodeStat stat();

  /**
   * Sets its access and modification times (nanoseconds since the epoch); {@code null} leaves one unchanged.
   *
   * @throws FsException {@link FsError#ROFS} on a read-only file system
   */
  void setTimes(Long accessTime, Long modifyTime);

  /** Returns whether this node may be changed: false under a read-only mount. */
  boolean writable();
}
