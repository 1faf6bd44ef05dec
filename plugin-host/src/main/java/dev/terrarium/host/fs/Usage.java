package dev.terrarium.host.fs;

import java.util.HashMap;
import java.util.Map;

/**
 * Exact byte and entry accounting for one file system. Every change that can move a counter runs while holding
 * this object's monitor, checks first and changes nothing when it would pass a limit.
 *
 * <p>Bytes are the sizes of the distinct regular files (an inode counts once however many names it has). A file
 * whose last name is removed while it is open keeps its bytes, as POSIX keeps its blocks, until its last open
 * file closes.
 */
final class Usage {
  final long maxBytes;
  final long maxEntries;
  private long bytes;
  private long entries;
  /** Inode → how many {@link PathOpenFile}s have it open. */
  private final Map<Object, Integer> open = new HashMap<>();
  /** Inodes without a name that are still open → the bytes they hold. */
  private final Map<Object, Long> orphans = new HashMap<>();

  Usage(long maxBytes, long maxEntries) {
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized long entries() {
    return entries;
  }

  /**
   * Records that the file {@code inode} changes size by {@code delta}, or fails with {@link FsError#DQUOT}
   * recording nothing. Caller holds the lock and makes the change only when this returns.
   */
  void resize(Object inode, long delta) {
    takeBytes(delta);
    orphans.computeIfPresent(inode, (k, held) -> held + delta);
  }

  private void takeBytes(long delta) {
    assert Thread.holdsLock(this);
    if (delta <= 0) {
      bytes += delta;
      return;
    }
    if (delta > maxBytes - bytes) {
      throw new FsException(
          FsError.DQUOT,
          "growing by " + delta + " bytes would pass the quota of " + maxBytes + " bytes (" + bytes + " used)");
    }
    bytes += delta;
  }

  /** Takes one more entry, or fails with {@link FsError#DQUOT}. Caller holds the lock. */
  void takeEntry() {
    assert Thread.holdsLock(this);
    if (entries >= maxEntries) {
      throw new FsException(FsError.DQUOT, "the quota of " + maxEntries + " entries is used up");
    }
    entries++;
  }

  void giveEntry() {
    assert Thread.holdsLock(this);
    entries--;
  }

  /** A regular file lost a name; {@code lastName} when that was its last. Caller holds the lock. */
  void unlinked(Object inode, long size, boolean lastName) {
    assert Thread.holdsLock(this);
    entries--;
    if (lastName) {
      if (open.containsKey(inode)) {
        orphans.put(inode, size);
      } else {
        bytes -= size;
      }
    }
  }

  void opened(Object inode) {
    assert Thread.holdsLock(this);
    open.merge(inode, 1, Integer::sum);
  }

  /** An open file of {@code inode} closed. Caller holds the lock. */
  void closed(Object inode) {
    assert Thread.holdsLock(this);
    Integer left = open.merge(inode, -1, Integer::sum);
    if (left != null && left <= 0) {
      open.remove(inode);
      Long held = orphans.remove(inode);
      if (held != null) {
        bytes -= held;
      }
    }
  }

  /**
   * Replaces the counters with what a walk of the tree found; bytes held by open files without a name are
   * added. Caller holds the lock.
   */
  void reset(long treeBytes, long treeEntries) {
    assert Thread.holdsLock(this);
    long held = 0;
    for (long b : orphans.values()) {
      held += b;
    }
    bytes = treeBytes + held;
    entries = treeEntries;
  }
}
