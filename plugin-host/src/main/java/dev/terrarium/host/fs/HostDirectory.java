package dev.terrarium.host.fs;

import dev.terrarium.api.MountMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A directory of the host, granted to plugins as a {@link DirectoryNode}.
 *
 * <p>Its nodes never leave the directory:
 * <ul>
 *   <li>Names are single components, checked; nodes are reached only through directories that were real
 *       directories, never symbolic links, when looked up.
 *   <li>No operation follows a symbolic link: attributes are read, files opened, times set and entries removed or
 *       renamed with {@link java.nio.file.LinkOption#NOFOLLOW_LINKS} or the equivalent system call. A link is
 *       returned as a {@link SymlinkNode} with its raw text, for the WASI layer to resolve within the mount.
 *   <li>Creating a symbolic link whose target is absolute or climbs, lexically, above the mount's root from where
 *       the link sits fails with {@link FsError#PERM} (as WASI runtimes do for absolute targets). A target climbs
 *       only with leading {@code ..} components, since {@code a/..} leads wherever {@code a}'s parent is when
 *       {@code a} is a link; and moving links (or directories holding links) closer to the root, or linking a
 *       link there, fails with {@link FsError#PERM} when a link would then climb above the root.
 *   <li>A directory of the tree may be swapped for a symbolic link by someone else between operations (another
 *       process, or another plugin renaming entries). So before every operation in a directory, and again after
 *       opening a file or reading a directory, the directory's real path must still lie below the root's real
 *       path; otherwise the operation fails with {@link FsError#NOTCAPABLE} (and an opened file is closed). This
 *       narrows the window of such a race to the time between the check and the system call; it cannot close it
 *       entirely without {@code openat}, which {@link java.nio.file} does not offer for every operation.
 * </ul>
 * Fifos, sockets and device files inside the directory are listed as {@link NodeType#UNKNOWN} and never opened
 * ({@link FsError#ACCES}).
 *
 * <p>{@link MountMode#READ_ONLY}: every change (create, open for writing, truncate, set times, link, remove,
 * rename) fails with {@link FsError#ROFS}, and {@link Node#writable()} is false.
 *
 * <p>Devices and inodes are the host's ({@code unix:dev}, {@code unix:ino}); times have the host's resolution, in
 * nanoseconds. There is no quota: the host's disk is the limit ({@link FsError#NOSPC}).
 */
public final class HostDirectory {
  private HostDirectory() {}

  /**
   * Returns {@code root} as a directory node. The root itself may be reached through symbolic links: it is
   * resolved to its real path once, here.
   *
   * @throws FsException {@link FsError#NOENT} or {@link FsError#NOTDIR} when {@code root} is not an existing
   *     directory
   */
  public static DirectoryNode of(Path root, MountMode mode) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(mode, "mode");
    Path real = Errors.io(() -> root.toAbsolutePath().toRealPath());
    if (!Files.isDirectory(real)) {
      throw new FsException(FsError.NOTDIR, "host directory '" + root + "' is not a directory");
    }
    return new PathFs(real, mode == MountMode.READ_ONLY, true, null, null).rootDirectory();
  }
}
