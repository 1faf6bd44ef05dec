package dev.terrarium.host.fs;

import java.util.Objects;

/**
 * A writable view of a read-only tree: reads see an upper directory over a lower one, changes go to the upper.
 *
 * <pre>{@code
 * MemoryFileSystem scratch = MemoryFileSystem.builder().maxBytes(64 << 20).build();
 * DirectoryNode app = Overlay.of(HostDirectory.of(appDir, MountMode.READ_ONLY), scratch.root());
 * }</pre>
 *
 * <ul>
 *   <li>A name present in both shows the upper node; two directories of one name merge.
 *   <li>Opening a lower regular file for writing, truncating it or setting its times first copies it up: its
 *       content and times go to a new upper file, with the upper directories it needs. Its inode stays the lower one,
 *       so an open file and later stats agree. Streams of the lower tree are used where they are, never copied.
 *   <li>Removing a name the lower tree has records a whiteout (kept by this overlay, in memory) that hides the lower
 *       entry and all below it; creating the name again in the upper works and still hides the lower entry.
 *   <li>Renaming a lower file or directory copies it up (a directory with everything below it), renames it in the
 *       upper and whites out the source. Hard links to lower files copy the file up and link to the copy.
 *   <li>The lower tree is never changed: only its reading methods are called.
 * </ul>
 * Copies count against the upper's quota; a copy that fails leaves no partial file. Renaming across two overlays, or
 * between an overlay and anything else, fails with {@link FsError#XDEV}.
 *
 * <p>Thread-safe: changes to the overlay run one at a time; reads run together.
 */
public final class Overlay {
  private Overlay() {}

  /** Returns {@code upper} over {@code lower}; {@code upper} is where every change goes. */
  public static DirectoryNode of(DirectoryNode lower, DirectoryNode upper) {
    Objects.requireNonNull(lower, "lower");
    Objects.requireNonNull(upper, "upper");
    return new OverlayFs(lower, upper).root();
  }
}
