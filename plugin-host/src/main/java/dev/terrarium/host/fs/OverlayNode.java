package dev.terrarium.host.fs;

import java.util.List;

/** A node of an {@link OverlayFs}, named by its path from the overlay's root. */
abstract sealed class OverlayNode implements Node permits OverlayDirectory, OverlayFile, OverlaySymlink {
  final OverlayFs fs;
  final List<String> path;

  OverlayNode(OverlayFs fs, List<String> path) {
    this.fs = fs;
    this.path = path;
  }

  @Override
  public NodeStat stat() {
    return fs.read(() -> fs.mapStat(fs.visibleOrFail(path).stat()));
  }

  @Override
  public void setTimes(Long accessTime, Long modifyTime) {
    fs.write(
        () -> {
          fs.copyUp(path).setTimes(accessTime, modifyTime);
          return null;
        });
  }

  @Override
  public boolean writable() {
    return fs.upper.writable();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[/" + String.join("/", path) + "]";
  }
}
