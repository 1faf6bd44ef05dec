package dev.terrarium.host.wasi;

import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.Node;
import dev.terrarium.host.fs.OpenFile;

/** One entry of an instance's descriptor table. Confined to the instance's calls. */
final class Descriptor {
  /** WASI file types. */
  static final byte UNKNOWN = 0;
  static final byte CHARACTER_DEVICE = 2;
  static final byte DIRECTORY = 3;
  static final byte REGULAR_FILE = 4;

  final byte fileType;
  /** The node it was opened from (a directory's node for directories). */
  Node node;
  /** The open file, for everything but directories. */
  OpenFile file;
  /** Where a directory sits in its mount, for {@code ..}; null for files. */
  final Location location;
  long rightsBase;
  long rightsInheriting;
  int flags;
  long position;
  /** The name it was pre-opened under, or null. */
  final String preopenName;
  /** The guest path it was opened by, for listings. */
  final String guestPath;
  /**
   * A directory's listing as of the last {@code fd_readdir} from cookie 0 (with {@code .} and {@code ..}); later
   * cookies read on from it, so that reading a large directory in small pieces lists it once.
   */
  java.util.List<dev.terrarium.host.fs.DirEntry> listing;

  Descriptor(
      byte fileType,
      Node node,
      OpenFile file,
      Location location,
      long rightsBase,
      long rightsInheriting,
      int flags,
      String preopenName,
      String guestPath) {
    this.fileType = fileType;
    this.node = node;
    this.file = file;
    this.location = location;
    this.rightsBase = rightsBase;
    this.rightsInheriting = rightsInheriting;
    this.flags = flags;
    this.preopenName = preopenName;
    this.guestPath = guestPath;
  }

  boolean isDirectory() {
    return fileType == DIRECTORY;
  }

  /** A directory and the chain of directories above it up to its mount's root. */
  record Location(DirectoryNode directory, Location parent) {}
}
