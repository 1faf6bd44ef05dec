package dev.terrarium.host.fs;

import java.util.List;

/** A symbolic link of an {@link OverlayFs}. */
final class OverlaySymlink extends OverlayNode implements SymlinkNode {
  OverlaySymlink(OverlayFs fs, List<String> path) {
    super(fs, path);
  }

  @Override
  public String target() {
    return fs.read(
        () -> {
          if (fs.visibleOrFail(path) instanceof SymlinkNode link) {
            return link.target();
          }
          throw new FsException(FsError.INVAL, this + " is no longer a symbolic link");
        });
  }
}
