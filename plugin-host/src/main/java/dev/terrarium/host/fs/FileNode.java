package dev.terrarium.host.fs;

/** A regular file or a stream ({@link NodeType#CHARACTER_DEVICE}). */
public interface FileNode extends Node {
  /**
   * Opens it. Appending is the caller's business (write at {@link OpenFile#size()}).
   *
   * @throws FsException {@link FsError#ROFS} when writing is asked of a read-only node, {@link FsError#ACCES}
   *     when the node cannot be read or written at all (a sink cannot be read)
   */
  OpenFile open(boolean read, boolean write);

  /**
   * Sets its size, cutting or zero-extending.
   *
   * @throws FsException {@link FsError#ROFS}, {@link FsError#INVAL} for a stream, {@link FsError#NOSPC} or
   *     {@link FsError#DQUOT} past a quota
   */
  void truncate(long size);
}
