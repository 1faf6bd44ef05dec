package dev.terrarium.host.fs;

import java.nio.ByteBuffer;

/**
 * An open file: a channel with explicit positions. Streams ({@link #seekable()} false) ignore positions.
 * Confined to one thread at a time (a WASI instance is).
 */
public interface OpenFile extends AutoCloseable {
  /** Whether positions mean anything; false for streams. */
  boolean seekable();

  /**
   * Reads into {@code dst} from {@code position}.
   *
   * @return how many bytes were read, or -1 at the end
   */
  int read(ByteBuffer dst, long position);

  /**
   * Writes all of {@code src} at {@code position} (past the end, the gap reads as zeros).
   *
   * @return how many bytes were written
   * @throws FsException {@link FsError#NOSPC} or {@link FsError#DQUOT} past a quota, with nothing written
   */
  int write(ByteBuffer src, long position);

  /** Returns the current size (0 for streams). */
  long size();

  /** Sets the size; see {@link FileNode#truncate(long)}. */
  void truncate(long size);

  /**
   * Returns how many bytes a read could return now without blocking, or -1 when that is unknown (a poll then
   * treats the file as readable). Regular files need not override this.
   */
  default long available() {
    return -1;
  }

  /** Flushes what was written to where it is kept. */
  void sync();

  /** Returns the status of the file it reads (for {@code fd_filestat_get}). */
  NodeStat stat();

  /** Sets times, as {@link Node#setTimes}. */
  void setTimes(Long accessTime, Long modifyTime);

  @Override
  void close();
}
