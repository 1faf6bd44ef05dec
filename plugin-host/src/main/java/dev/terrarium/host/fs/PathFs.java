package dev.terrarium.host.fs;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One file system seen through {@link java.nio.file}: a root directory, a mode, a device number and, for memory
 * file systems, exact quota accounting. The nodes over it ({@link PathDirectory}, {@link PathFile},
 * {@link PathSymlink}) name their entry by its path below the root, built only from checked single names, so no
 * operation can name anything outside the root lexically; none follows a symbolic link.
 *
 * <p>A <em>confined</em> file system (a host directory) also defends against a directory being swapped for a
 * symbolic link between operations: before every operation in a directory, and again after opening or reading
 * one, it checks that the directory's real path is still below the root's real path, else
 * {@link FsError#NOTCAPABLE}. It refuses symbolic links whose target is absolute or climbs above the root.
 */
final class PathFs {
  static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private static final String UNIX_ATTRIBUTES =
      "unix:dev,ino,nlink,ctime,size,lastAccessTime,lastModifiedTime,isDirectory,isRegularFile,isSymbolicLink";

  final Path root;
  final boolean readOnly;
  final boolean confined;

  /**
   * The most host files that guests may hold open through all host directories of this process together: each
   * is a real descriptor of the process, which other tenants and the host itself need too. Past it an open
   * fails with {@link FsError#NFILE}. Set with the system property {@code terrarium.maxOpenHostFiles}.
   */
  static final int MAX_OPEN_HOST_FILES = Integer.getInteger("terrarium.maxOpenHostFiles", 4096);

  /** Permits for {@link #MAX_OPEN_HOST_FILES}: one per open file of a confined file system. */
  static final java.util.concurrent.Semaphore OPEN_HOST_FILES =
      new java.util.concurrent.Semaphore(MAX_OPEN_HOST_FILES);
  /** The device number of every node, or {@code null} to read each node's own. */
  private final Long device;
  /** Quota accounting; {@code null} when unlimited and unaccounted (host directories). */
  final Usage usage;

  private final boolean unix;
  private long fallbackDevice;

  PathFs(Path root, boolean readOnly, boolean confined, Long device, Usage usage) {
    this.root = Objects.requireNonNull(root);
    this.readOnly = readOnly;
    this.confined = confined;
    this.device = device;
    this.usage = usage;
    FileSystem fs = root.getFileSystem();
    this.unix = fs.supportedFileAttributeViews().contains("unix");
  }

  PathDirectory rootDirectory() {
    return new PathDirectory(this, root, 0);
  }

  void checkWritable() {
    if (readOnly) {
      throw Errors.readOnly();
    }
  }

  /**
   * Runs a change: while holding the quota lock when there is one, so that checking and changing the counters
   * and the tree happen as one step.
   */
  <T> T change(Errors.IoCall<T> call) {
    checkWritable();
    if (usage == null) {
      return Errors.io(call);
    }
    synchronized (usage) {
      return Errors.io(call);
    }
  }

  /**
   * For a confined file system, checks that {@code dir}, a directory path built below the root, still resolves
   * to a place below the root: none of its components has become a symbolic link leading out.
   */
  void checkInside(Path dir) throws IOException {
    if (!confined || dir.equals(root)) {
      return;
    }
    // Follows links on purpose: where the path really leads is the question.
    Path real = dir.toRealPath();
    if (!real.startsWith(root)) {
      throw new FsException(
          FsError.NOTCAPABLE, "'" + root.relativize(dir) + "' no longer leads to a place inside the mount");
    }
  }

  /**
   * Checks a new symbolic link's text for a link placed in a directory {@code depth} levels below the root. In a
   * confined file system the text may climb only with leading {@code ..} components, no more of them than
   * {@code depth}. A {@code ..} after a name is refused: the host resolves {@code name/..} from wherever
   * {@code name} leads when it is (or later becomes) a link, so "a/b/link/../.." can climb above the root though
   * it never does lexically.
   */
  void checkSymlinkTarget(String target, int depth) {
    if (target == null || target.isEmpty()) {
      throw new FsException(FsError.NOENT, "a symbolic link needs a target");
    }
    if (target.indexOf('\0') >= 0) {
      throw new FsException(FsError.INVAL, "a symbolic link's target holds no NUL");
    }
    if (!confined) {
      return;
    }
    if (target.startsWith("/")) {
      throw new FsException(FsError.PERM, "a symbolic link in a mounted directory may not be absolute: " + target);
    }
    int climb = 0;
    boolean named = false;
    for (String part : target.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (!part.equals("..")) {
        named = true;
      } else if (named) {
        throw new FsException(
            FsError.PERM, "a symbolic link in a mounted directory may climb only with leading '..': " + target);
      } else {
        climb++;
      }
    }
    if (climb > depth) {
      throw new FsException(FsError.PERM, "the symbolic link would lead out of the mounted directory: " + target);
    }
  }

  /**
   * For a confined file system, checks the links that an entry moving from one directory to another
   * {@code newDepth} levels below the root takes along: its own text if it is a link, or the text of every link
   * below it if it is a directory. A relative link moved closer to the root leads higher than it was checked for.
   */
  void checkLinksMoved(Path entry, Attrs attrs, int newDepth) throws IOException {
    if (!confined) {
      return;
    }
    if (attrs.type() == NodeType.SYMBOLIC_LINK) {
      checkSymlinkTarget(Files.readSymbolicLink(entry).toString(), newDepth);
    } else if (attrs.type() == NodeType.DIRECTORY) {
      Files.walkFileTree( // never follows links
          entry,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
              if (a.isSymbolicLink()) {
                int depth = newDepth + entry.relativize(file).getNameCount();
                checkSymlinkTarget(Files.readSymbolicLink(file).toString(), depth);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    }
  }

  /** The attributes of {@code path} itself, or {@code null} when there is nothing there. */
  Attrs attrsOrNull(Path path) throws IOException {
    try {
      return attrs(path);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** The attributes of {@code path} itself, never following a link. */
  Attrs attrs(Path path) throws IOException {
    if (unix) {
      Map<String, Object> a = Files.readAttributes(path, UNIX_ATTRIBUTES, NOFOLLOW);
      NodeType type = typeOf(
          (Boolean) a.get("isDirectory"), (Boolean) a.get("isRegularFile"), (Boolean) a.get("isSymbolicLink"));
      long ino = number(a.get("ino"));
      long mtime = nanos(a.get("lastModifiedTime"));
      Object ctime = a.get("ctime");
      return new Attrs(
          type,
          device != null ? device : number(a.get("dev")),
          ino,
          number(a.get("nlink")),
          type == NodeType.SYMBOLIC_LINK ? linkSize(path) : number(a.get("size")),
          nanos(a.get("lastAccessTime")),
          mtime,
          ctime == null ? mtime : nanos(ctime));
    }
    BasicFileAttributes b = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    NodeType type = typeOf(b.isDirectory(), b.isRegularFile(), b.isSymbolicLink());
    Object key = b.fileKey();
    long mtime = nanos(b.lastModifiedTime());
    return new Attrs(
        type,
        device != null ? device : fallbackDevice(),
        key != null ? key.hashCode() & 0xffff_ffffL : path.toString().hashCode() & 0xffff_ffffL,
        1,
        type == NodeType.SYMBOLIC_LINK ? linkSize(path) : b.size(),
        nanos(b.lastAccessTime()),
        mtime,
        mtime);
  }

  /** A link's size is the length of its target, as POSIX {@code lstat} reports it (Jimfs reports 0). */
  private static long linkSize(Path link) throws IOException {
    return Files.readSymbolicLink(link).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  private synchronized long fallbackDevice() {
    if (fallbackDevice == 0) {
      fallbackDevice = Devices.newDevice();
    }
    return fallbackDevice;
  }

  /** The node at {@code path}, {@code depth} levels below the root, or {@code null}. */
  Node nodeAt(Path path, int depth) throws IOException {
    Attrs a = attrsOrNull(path);
    if (a == null) {
      return null;
    }
    return switch (a.type()) {
      case DIRECTORY -> new PathDirectory(this, path, depth);
      case SYMBOLIC_LINK -> new PathSymlink(this, path, depth);
      default -> new PathFile(this, path, depth, a.type());
    };
  }

  static FileTime fileTime(Long nanos) {
    return nanos == null ? null : FileTime.from(nanos, TimeUnit.NANOSECONDS);
  }

  private static NodeType typeOf(Boolean dir, Boolean regular, Boolean link) {
    if (Boolean.TRUE.equals(dir)) {
      return NodeType.DIRECTORY;
    }
    if (Boolean.TRUE.equals(regular)) {
      return NodeType.REGULAR_FILE;
    }
    if (Boolean.TRUE.equals(link)) {
      return NodeType.SYMBOLIC_LINK;
    }
    // Fifos, sockets and devices in a host directory: listed, never opened.
    return NodeType.UNKNOWN;
  }

  private static long number(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }

  private static long nanos(Object o) {
    return o instanceof FileTime t ? t.to(TimeUnit.NANOSECONDS) : 0;
  }

  /** What {@code lstat} says, with the inode as the key that quota accounting uses. */
  record Attrs(
      NodeType type, long device, long inode, long linkCount, long size, long atime, long mtime, long ctime) {
    NodeStat stat() {
      return new NodeStat(device, inode, type, linkCount, size, atime, mtime, ctime);
    }
  }
}
