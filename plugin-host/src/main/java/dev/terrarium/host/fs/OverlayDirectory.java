package dev.terrarium.host.fs;

import java.util.List;

/** A directory of an {@link OverlayFs}: the upper and lower directories of its path, merged. */
final class OverlayDirectory extends OverlayNode implements DirectoryNode {
  OverlayDirectory(OverlayFs fs, List<String> path) {
    super(fs, path);
  }

  @Override
  public Node lookup(String name) {
    List<String> child = OverlayFs.child(path, name);
    return fs.read(() -> fs.wrap(child, fs.visibleAt(child)));
  }

  @Override
  public List<DirEntry> entries() {
    return fs.read(
        () -> {
          checkDirectory();
          return fs.entries(path);
        });
  }

  private void checkDirectory() {
    if (!(fs.visibleOrFail(path) instanceof DirectoryNode)) {
      throw new FsException(FsError.NOTDIR, this + " is no longer a directory");
    }
  }

  /** Checks that {@code name} is free here and returns the upper directory to create it in. */
  private DirectoryNode placeFor(List<String> child) {
    checkDirectory();
    if (fs.visibleAt(child) != null) {
      throw new FsException(FsError.EXIST, "/" + String.join("/", child));
    }
    return fs.ensureUpperDir(path);
  }

  @Override
  public FileNode createFile(String name) {
    List<String> child = OverlayFs.child(path, name);
    return fs.write(
        () -> {
          placeFor(child).createFile(name);
          return new OverlayFile(fs, child);
        });
  }

  @Override
  public DirectoryNode createDirectory(String name) {
    List<String> child = OverlayFs.child(path, name);
    return fs.write(
        () -> {
          placeFor(child).createDirectory(name);
          return new OverlayDirectory(fs, child);
        });
  }

  @Override
  public void createSymlink(String name, String target) {
    List<String> child = OverlayFs.child(path, name);
    fs.write(
        () -> {
          placeFor(child).createSymlink(name, target);
          return null;
        });
  }

  @Override
  public void createLink(String name, Node existing) {
    List<String> child = OverlayFs.child(path, name);
    if (!(existing instanceof OverlayNode source) || source.fs != fs) {
      throw new FsException(FsError.XDEV, "a hard link must stay within one overlay");
    }
    fs.write(
        () -> {
          Node visible = fs.visibleOrFail(source.path);
          if (visible instanceof DirectoryNode) {
            throw new FsException(FsError.PERM, "a directory cannot have another hard link");
          }
          DirectoryNode place = placeFor(child);
          place.createLink(name, fs.copyUp(source.path));
          return null;
        });
  }

  @Override
  public void removeFile(String name) {
    List<String> child = OverlayFs.child(path, name);
    fs.write(
        () -> {
          Node visible = fs.visibleOrFail(child);
          if (visible instanceof DirectoryNode) {
            throw new FsException(FsError.ISDIR, "/" + String.join("/", child));
          }
          remove(child, name, false);
          return null;
        });
  }

  @Override
  public void removeDirectory(String name) {
    List<String> child = OverlayFs.child(path, name);
    fs.write(
        () -> {
          Node visible = fs.visibleOrFail(child);
          if (!(visible instanceof DirectoryNode)) {
            throw new FsException(FsError.NOTDIR, "/" + String.join("/", child));
          }
          if (!fs.entries(child).isEmpty()) {
            throw new FsException(FsError.NOTEMPTY, "/" + String.join("/", child));
          }
          remove(child, name, true);
          return null;
        });
  }

  /** Removes the upper entry, if any, and whites out the lower one, if any. Caller holds the write lock. */
  private void remove(List<String> child, String name, boolean directory) {
    boolean inLower = fs.lowerAt(child) != null;
    Node inUpper = fs.upperAt(child);
    if (inUpper != null) {
      DirectoryNode upperDir = (DirectoryNode) fs.upperAt(path);
      NodeStat gone = inUpper.stat();
      if (directory) {
        upperDir.removeDirectory(name);
      } else {
        upperDir.removeFile(name);
      }
      fs.forgetCopy(gone);
    }
    if (inLower) {
      fs.whiteOut(child);
    }
  }

  @Override
  public void rename(String name, DirectoryNode targetDirectory, String targetName) {
    List<String> source = OverlayFs.child(path, name);
    if (!(targetDirectory instanceof OverlayDirectory target) || target.fs != fs) {
      throw new FsException(FsError.XDEV, "rename must stay within one overlay");
    }
    List<String> destination = OverlayFs.child(target.path, targetName);
    fs.write(
        () -> {
          Node from = fs.visibleOrFail(source);
          target.checkDirectory();
          if (source.equals(destination)) {
            return null;
          }
          boolean fromDir = from instanceof DirectoryNode;
          if (fromDir && destination.size() > source.size()
              && destination.subList(0, source.size()).equals(source)) {
            throw new FsException(FsError.INVAL, "a directory cannot move into itself");
          }
          Node to = fs.visibleAt(destination);
          if (to != null) {
            NodeStat a = fs.mapStat(from.stat());
            NodeStat b = fs.mapStat(to.stat());
            if (a.device() == b.device() && a.inode() == b.inode()) {
              return null; // two names of one file: POSIX does nothing
            }
            boolean toDir = to instanceof DirectoryNode;
            if (fromDir && !toDir) {
              throw new FsException(FsError.NOTDIR, "cannot replace a non-directory with a directory");
            }
            if (!fromDir && toDir) {
              throw new FsException(FsError.ISDIR, "cannot replace a directory with a non-directory");
            }
            if (toDir && !fs.entries(destination).isEmpty()) {
              throw new FsException(FsError.NOTEMPTY, "/" + String.join("/", destination));
            }
          }
          boolean sourceInLower = fs.lowerAt(source) != null;
          boolean destinationInLower = fs.lowerAt(destination) != null;
          fs.copyUpTree(source);
          DirectoryNode upperFrom = fs.ensureUpperDir(path);
          DirectoryNode upperTo = fs.ensureUpperDir(target.path);
          Node replaced = fs.upperAt(destination);
          NodeStat replacedStat = replaced == null ? null : replaced.stat();
          upperFrom.rename(name, upperTo, targetName);
          if (replacedStat != null) {
            fs.forgetCopy(replacedStat);
          }
          if (sourceInLower) {
            fs.whiteOut(source);
          }
          if (destinationInLower) {
            fs.whiteOut(destination);
          }
          return null;
        });
  }
}
