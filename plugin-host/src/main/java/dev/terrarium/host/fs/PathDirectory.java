package dev.terrarium.host.fs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A directory of a {@link PathFs}. */
final class PathDirectory extends PathNode implements DirectoryNode {
  PathDirectory(PathFs fs, Path path, int depth) {
    super(fs, path, depth);
  }

  private Path child(String name) {
    Path child;
    try {
      child = path.resolve(Errors.name(name));
    } catch (InvalidPathException e) { // a character the host refuses in names (Windows: <>:"|?*)
      throw new FsException(FsError.INVAL, "'" + name + "' is not a valid name on this host", e);
    }
    // Where '/' is not the only separator (Windows has the backslash too), a name such as "..\\x" or "C:x" would
    // be several components, or another root, and lead out of the directory.
    if (!path.equals(child.getParent()) || !name.equals(child.getFileName().toString())) {
      throw new FsException(FsError.INVAL, "'" + name + "' is not a single name on this host");
    }
    return child;
  }

  @Override
  public Node lookup(String name) {
    Path child = child(name);
    return Errors.io(
        () -> {
          fs.checkInside(path);
          Node node = fs.nodeAt(child, depth + 1);
          fs.checkInside(path);
          return node;
        });
  }

  @Override
  public List<DirEntry> entries() {
    return Errors.io(
        () -> {
          fs.checkInside(path);
          List<DirEntry> entries = new ArrayList<>();
          try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
            for (Path child : children) {
              PathFs.Attrs a = fs.attrsOrNull(child);
              if (a != null) { // else removed while listing
                entries.add(new DirEntry(child.getFileName().toString(), a.type(), a.inode()));
              }
            }
          }
          fs.checkInside(path);
          entries.sort(Comparator.comparing(DirEntry::name));
          return entries;
        });
  }

  @Override
  public FileNode createFile(String name) {
    Path child = child(name);
    return fs.change(
        () -> {
          create(() -> Files.createFile(child));
          return new PathFile(fs, child, depth + 1, NodeType.REGULAR_FILE);
        });
  }

  @Override
  public DirectoryNode createDirectory(String name) {
    Path child = child(name);
    return fs.change(
        () -> {
          create(() -> Files.createDirectory(child));
          return new PathDirectory(fs, child, depth + 1);
        });
  }

  @Override
  public void createSymlink(String name, String target) {
    Path child = child(name);
    fs.checkWritable();
    fs.checkSymlinkTarget(target, depth);
    fs.change(
        () -> {
          Path text = path.getFileSystem().getPath(target);
          create(() -> Files.createSymbolicLink(child, text));
          return null;
        });
  }

  @Override
  public void createLink(String name, Node existing) {
    Path child = child(name);
    fs.checkWritable();
    if (!sameFs(existing)) {
      throw new FsException(FsError.XDEV, "a hard link must stay within one file system");
    }
    // A link to a symbolic link links the link itself, as linkat without AT_SYMLINK_FOLLOW does (the host's
    // link(2) on Linux; Jimfs cannot, and refuses).
    if (!(existing instanceof PathFile) && !(existing instanceof PathSymlink)) {
      throw new FsException(FsError.PERM, "only a regular file or a symbolic link can have another hard link");
    }
    PathNode node = (PathNode) existing;
    fs.change(
        () -> {
          fs.checkInside(node.parent());
          PathFs.Attrs a = fs.attrs(node.path);
          if (a.type() != NodeType.REGULAR_FILE && a.type() != NodeType.SYMBOLIC_LINK) {
            throw new FsException(FsError.PERM, "only a regular file or a symbolic link can have another hard link");
          }
          if (depth < node.depth - 1) {
            // A second name for a relative link, closer to the root, would lead higher than it was checked for.
            fs.checkLinksMoved(node.path, a, depth);
          }
          create(() -> Files.createLink(child, node.path));
          return null;
        });
  }

  /** Creates one entry in this directory, counting it against the entry quota. Caller is in a change. */
  private void create(Errors.IoRun creation) throws IOException {
    fs.checkInside(path);
    Usage usage = fs.usage;
    if (usage != null) {
      usage.takeEntry();
    }
    boolean done = false;
    try {
      creation.run();
      done = true;
    } finally {
      if (!done && usage != null) {
        usage.giveEntry();
      }
    }
  }

  @Override
  public void removeFile(String name) {
    Path child = child(name);
    fs.change(
        () -> {
          fs.checkInside(path);
          PathFs.Attrs a = fs.attrs(child);
          if (a.type() == NodeType.DIRECTORY) {
            throw new FsException(FsError.ISDIR, name);
          }
          Files.delete(child);
          forget(a);
          return null;
        });
  }

  @Override
  public void removeDirectory(String name) {
    Path child = child(name);
    fs.change(
        () -> {
          fs.checkInside(path);
          PathFs.Attrs a = fs.attrs(child);
          if (a.type() != NodeType.DIRECTORY) {
            throw new FsException(FsError.NOTDIR, name);
          }
          Files.delete(child);
          forget(a);
          return null;
        });
  }

  /** Gives back what an entry that just went away held. Caller is in a change. */
  private void forget(PathFs.Attrs gone) {
    Usage usage = fs.usage;
    if (usage == null) {
      return;
    }
    if (gone.type() == NodeType.REGULAR_FILE) {
      usage.unlinked(gone.inode(), gone.size(), gone.linkCount() <= 1);
    } else {
      usage.giveEntry();
    }
  }

  @Override
  public void rename(String name, DirectoryNode targetDirectory, String targetName) {
    Path source = child(name);
    Errors.name(targetName);
    fs.checkWritable();
    if (!sameFs(targetDirectory) || !(targetDirectory instanceof PathDirectory target)) {
      throw new FsException(FsError.XDEV, "rename must stay within one file system");
    }
    Path destination = target.child(targetName);
    fs.change(
        () -> {
          fs.checkInside(path);
          fs.checkInside(target.path);
          PathFs.Attrs from = fs.attrs(source);
          PathFs.Attrs to = fs.attrsOrNull(destination);
          if (source.equals(destination)) {
            return null;
          }
          if (from.type() == NodeType.DIRECTORY && destination.startsWith(source)) {
            throw new FsException(FsError.INVAL, "a directory cannot move into itself");
          }
          if (target.depth < depth) {
            // Relative links moved closer to the root (or in a directory moved there) would lead higher than they
            // were checked for: out of the mount, for the host and for a later mount of a subdirectory.
            fs.checkLinksMoved(source, from, target.depth);
          }
          if (to != null) {
            if (to.inode() == from.inode() && to.device() == from.device()) {
              return null; // two names of one file: POSIX does nothing
            }
            checkReplaceable(from, to, destination);
          }
          Files.move(source, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          if (to != null) {
            forget(to);
          }
          return null;
        });
  }

  private static void checkReplaceable(PathFs.Attrs from, PathFs.Attrs to, Path destination) throws IOException {
    boolean fromDir = from.type() == NodeType.DIRECTORY;
    boolean toDir = to.type() == NodeType.DIRECTORY;
    if (fromDir && !toDir) {
      throw new FsException(FsError.NOTDIR, "cannot replace a non-directory with a directory");
    }
    if (!fromDir && toDir) {
      throw new FsException(FsError.ISDIR, "cannot replace a directory with a non-directory");
    }
    if (toDir) {
      try (DirectoryStream<Path> children = Files.newDirectoryStream(destination)) {
        if (children.iterator().hasNext()) {
          throw new FsException(FsError.NOTEMPTY, destination.getFileName().toString());
        }
      }
    }
  }
}
