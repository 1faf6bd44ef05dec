package dev.terrarium.host.fs;

import java.nio.file.Files;
import java.nio.file.Path;

/** A symbolic link of a {@link PathFs}; its target is read, never followed. */
final class PathSymlink extends PathNode implements SymlinkNode {
  PathSymlink(PathFs fs, Path path, int depth) {
    super(fs, path, depth);
  }

  @Override
  public String target() {
    return Errors.io(
        () -> {
          fs.checkInside(parent());
          String target = Files.readSymbolicLink(path).toString();
          fs.checkInside(parent());
          return target;
        });
  }
}
