package dev.terrarium.host.fs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The state of one {@link Overlay}: its two layers, its whiteouts and the identities of copied-up files. Its nodes
 * name entries by path from the overlay's root and resolve them anew on every operation.
 */
final class OverlayFs {
  private static final int COPY_BUFFER = 64 * 1024;

  final DirectoryNode lower;
  final DirectoryNode upper;
  private final long upperDevice;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /** Paths ("a/b") whose lower entry, and everything below it, is hidden. */
  private final Set<String> whiteouts = new HashSet<>();
  /** Upper inode of a copied-up file or directory → {lower device, lower inode}, the identity it keeps. */
  private final Map<Long, long[]> copiedUp = new HashMap<>();

  OverlayFs(DirectoryNode lower, DirectoryNode upper) {
    this.lower = lower;
    this.upper = upper;
    this.upperDevice = upper.stat().device();
  }

  DirectoryNode root() {
    return new OverlayDirectory(this, List.of());
  }

  // ---- locking

  <T> T read(Supplier<T> body) {
    Lock l = lock.readLock();
    l.lock();
    try {
      return body.get();
    } finally {
      l.unlock();
    }
  }

  <T> T write(Supplier<T> body) {
    if (!upper.writable()) {
      throw Errors.readOnly();
    }
    Lock l = lock.writeLock();
    l.lock();
    try {
      return body.get();
    } finally {
      l.unlock();
    }
  }

  // ---- paths

  static List<String> child(List<String> dir, String name) {
    List<String> p = new ArrayList<>(dir.size() + 1);
    p.addAll(dir);
    p.add(Errors.name(name));
    return List.copyOf(p);
  }

  private static String key(List<String> path) {
    return String.join("/", path);
  }

  private static List<String> parentOf(List<String> path) {
    return path.subList(0, path.size() - 1);
  }

  private static String last(List<String> path) {
    return path.get(path.size() - 1);
  }

  // ---- resolution (caller holds a lock)

  /** The upper node at {@code path}, or {@code null}. */
  Node upperAt(List<String> path) {
    Node node = upper;
    for (String name : path) {
      if (!(node instanceof DirectoryNode d)) {
        return null;
      }
      node = d.lookup(name);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** The lower node at {@code path} unless a whiteout hides it, or {@code null}. */
  Node lowerAt(List<String> path) {
    Node node = lower;
    StringBuilder prefix = new StringBuilder();
    for (String name : path) {
      if (!(node instanceof DirectoryNode d)) {
        return null;
      }
      if (prefix.length() > 0) {
        prefix.append('/');
      }
      prefix.append(name);
      if (whiteouts.contains(prefix.toString())) {
        return null;
      }
      node = d.lookup(name);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** What the overlay shows at {@code path}, or {@code null}. */
  Node visibleAt(List<String> path) {
    Node u = upperAt(path);
    if (u != null) {
      return u;
    }
    if (!path.isEmpty()) {
      // A lower entry shows only where the upper has no non-directory above it.
      Node above = upperAt(parentOf(path));
      if (above != null && !(above instanceof DirectoryNode)) {
        return null;
      }
    }
    return lowerAt(path);
  }

  Node visibleOrFail(List<String> path) {
    Node node = visibleAt(path);
    if (node == null) {
      throw new FsException(FsError.NOENT, "/" + key(path));
    }
    return node;
  }

  Node wrap(List<String> path, Node node) {
    if (node == null) {
      return null;
    }
    if (node instanceof DirectoryNode) {
      return new OverlayDirectory(this, path);
    }
    if (node instanceof SymlinkNode) {
      return new OverlaySymlink(this, path);
    }
    return new OverlayFile(this, path);
  }

  /** The merged entries of the directory at {@code path}. */
  List<DirEntry> entries(List<String> path) {
    Map<String, DirEntry> merged = new TreeMap<>();
    Node u = upperAt(path);
    if (u == null || u instanceof DirectoryNode) {
      Node l = lowerAt(path);
      if (l instanceof DirectoryNode d) {
        String prefix = path.isEmpty() ? "" : key(path) + "/";
        for (DirEntry e : d.entries()) {
          if (!whiteouts.contains(prefix + e.name())) {
            merged.put(e.name(), e);
          }
        }
      }
    }
    if (u instanceof DirectoryNode d) {
      for (DirEntry e : d.entries()) {
        long[] id = copiedUp.get(e.inode());
        merged.put(e.name(), id == null ? e : new DirEntry(e.name(), e.type(), id[1]));
      }
    }
    return List.copyOf(merged.values());
  }

  /** A stat as the overlay reports it: copied-up files keep their lower identity. */
  NodeStat mapStat(NodeStat s) {
    if (s.device() != upperDevice) {
      return s;
    }
    long[] id;
    synchronized (copiedUp) {
      id = copiedUp.get(s.inode());
    }
    if (id == null) {
      return s;
    }
    return new NodeStat(
        id[0], id[1], s.type(), s.linkCount(), s.size(), s.accessTime(), s.modifyTime(), s.changeTime());
  }

  // ---- changes (caller holds the write lock)

  /** Hides the lower entry at {@code path} and below; whiteouts further below become redundant. */
  void whiteOut(List<String> path) {
    String k = key(path);
    String below = k + "/";
    whiteouts.removeIf(w -> w.startsWith(below));
    whiteouts.add(k);
  }

  /** The upper directory at {@code path}, created (with its parents) when only the lower has it. */
  DirectoryNode ensureUpperDir(List<String> path) {
    DirectoryNode dir = upper;
    for (int i = 0; i < path.size(); i++) {
      String name = path.get(i);
      Node next = dir.lookup(name);
      if (next == null) {
        List<String> prefix = path.subList(0, i + 1);
        Node l = lowerAt(prefix);
        if (!(l instanceof DirectoryNode)) {
          throw new FsException(l == null ? FsError.NOENT : FsError.NOTDIR, "/" + key(prefix));
        }
        DirectoryNode made = dir.createDirectory(name);
        keepIdentity(made.stat(), l.stat());
        next = made;
      } else if (!(next instanceof DirectoryNode)) {
        throw new FsException(FsError.NOTDIR, "/" + key(path.subList(0, i + 1)));
      }
      dir = (DirectoryNode) next;
    }
    return dir;
  }

  /**
   * Returns the upper node at {@code path}, copying the visible lower one up first: a regular file with its content
   * and times, a symbolic link, or an (empty) directory.
   */
  Node copyUp(List<String> path) {
    Node u = upperAt(path);
    if (u != null) {
      return u;
    }
    Node l = visibleOrFail(path);
    DirectoryNode parent = ensureUpperDir(parentOf(path));
    String name = last(path);
    if (l instanceof DirectoryNode) {
      return ensureUpperDir(path);
    }
    NodeStat ls = l.stat();
    if (l instanceof SymlinkNode s) {
      parent.createSymlink(name, s.target());
      Node copy = parent.lookup(name);
      try {
        copy.setTimes(ls.accessTime(), ls.modifyTime());
      } catch (FsException e) {
        // Not every store sets a link's own times; the link is what matters.
      }
      return copy;
    }
    if (ls.type() != NodeType.REGULAR_FILE) {
      throw new FsException(FsError.NOTSUP, "/" + key(path) + " is a stream and cannot be copied up");
    }
    FileNode copy = parent.createFile(name);
    try {
      copyContent((FileNode) l, copy);
      copy.setTimes(ls.accessTime(), ls.modifyTime());
      keepIdentity(copy.stat(), ls);
    } catch (RuntimeException e) {
      try {
        parent.removeFile(name);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return copy;
  }

  private static void copyContent(FileNode from, FileNode to) {
    try (OpenFile in = from.open(true, false);
        OpenFile out = to.open(false, true)) {
      ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER);
      long position = 0;
      while (true) {
        buffer.clear();
        int n = in.read(buffer, position);
        if (n < 0) {
          break;
        }
        buffer.flip();
        out.write(buffer, position);
        position += n;
      }
    }
  }

  /** Copies up {@code path} and, for a directory, everything visible below it. */
  void copyUpTree(List<String> path) {
    Node copy = copyUp(path);
    if (copy instanceof DirectoryNode) {
      for (DirEntry e : entries(path)) {
        copyUpTree(child(path, e.name()));
      }
    }
  }

  /** Makes the upper copy {@code copy} report the identity of {@code original}. */
  private void keepIdentity(NodeStat copy, NodeStat original) {
    synchronized (copiedUp) {
      copiedUp.put(copy.inode(), new long[] {original.device(), original.inode()});
    }
  }

  /** Forgets the kept identity of an upper node that lost its last name. */
  void forgetCopy(NodeStat upperStat) {
    if (upperStat.type() == NodeType.DIRECTORY || upperStat.linkCount() <= 1) {
      synchronized (copiedUp) {
        copiedUp.remove(upperStat.inode());
      }
    }
  }
}
