package dev.terrarium.host.fs;

import static dev.terrarium.host.fs.FsAssertions.assertFails;
import static dev.terrarium.host.fs.FsAssertions.dir;
import static dev.terrarium.host.fs.FsAssertions.file;
import static dev.terrarium.host.fs.FsAssertions.names;
import static dev.terrarium.host.fs.FsAssertions.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.MountMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host directory never lets an operation reach outside it, and a read-only one never changes. */
class HostDirectoryTest {
  @TempDir Path tmp;
  private Path mount;
  private Path outside;
  private Path secret;

  @BeforeEach
  void layout() throws IOException {
    mount = Files.createDirectory(tmp.resolve("mount"));
    outside = Files.createDirectory(tmp.resolve("outside"));
    secret = Files.writeString(outside.resolve("secret"), "do not read");
    Files.writeString(mount.resolve("f"), "inside");
    Files.createDirectory(mount.resolve("d"));
    Files.writeString(mount.resolve("d/g"), "deeper");
  }

  @Test
  void openHostFiles_areCappedForTheWholeProcess_andClosingGivesThemBack() throws IOException {
    Path root = java.nio.file.Files.createDirectory(tmp.resolve("many"));
    java.nio.file.Files.writeString(root.resolve("f"), "x");
    FileNode f = (FileNode) HostDirectory.of(root, MountMode.READ_ONLY).lookup("f");
    java.util.List<OpenFile> open = new java.util.ArrayList<>();
    int before = PathFs.OPEN_HOST_FILES.availablePermits();
    try {
      FsException refused = null;
      while (refused == null && open.size() <= PathFs.MAX_OPEN_HOST_FILES) {
        try {
          open.add(f.open(true, false));
        } catch (FsException e) {
          refused = e;
        }
      }
      assertThat(refused).as("an open past the cap").isNotNull();
      assertThat(refused.error()).isEqualTo(FsError.NFILE);
      assertThat(open.size()).isLessThanOrEqualTo(PathFs.MAX_OPEN_HOST_FILES);
      open.remove(open.size() - 1).close();
      open.add(f.open(true, false));
    } finally {
      open.forEach(OpenFile::close);
    }
    assertThat(PathFs.OPEN_HOST_FILES.availablePermits()).isEqualTo(before);
  }

  @Test
  void symlinksLeadingOut_areReturnedAsLinks_withTheirRawText() throws IOException {
    Files.createSymbolicLink(mount.resolve("etc"), Path.of("/etc"));
    Files.createSymbolicLink(mount.resolve("up"), Path.of("../outside/secret"));
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_WRITE);

    Node etc = root.lookup("etc");
    assertThat(etc).isInstanceOf(SymlinkNode.class);
    assertThat(((SymlinkNode) etc).target()).isEqualTo("/etc");
    assertThat(etc.stat().type()).isEqualTo(NodeType.SYMBOLIC_LINK);
    Node up = root.lookup("up");
    assertThat(up).isInstanceOf(SymlinkNode.class);
    assertThat(((SymlinkNode) up).target()).isEqualTo("../outside/secret");
    assertThat(root.entries())
        .filteredOn(e -> e.name().equals("etc") || e.name().equals("up"))
        .extracting(DirEntry::type)
        .containsOnly(NodeType.SYMBOLIC_LINK);
  }

  @Test
  void aFileReplacedByALinkToOutside_isNeitherOpenedNorTruncated() throws IOException {
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_WRITE);
    FileNode f = file(root, "f");
    Files.delete(mount.resolve("f"));
    Files.createSymbolicLink(mount.resolve("f"), secret);

    assertFails(FsError.LOOP, () -> f.open(true, false));
    assertFails(FsError.LOOP, () -> f.open(false, true));
    assertFails(FsError.LOOP, () -> f.truncate(0));
    FileTime before = Files.getLastModifiedTime(secret);
    f.setTimes(1_000_000_000L, 1_000_000_000L); // the link's own times, never its target's
    assertThat(Files.getLastModifiedTime(secret)).isEqualTo(before);
    assertThat(Files.readString(secret)).isEqualTo("do not read");
    assertThat(f.stat().type()).isEqualTo(NodeType.SYMBOLIC_LINK);
  }

  @Test
  void creatingALinkThatLeadsOut_isPerm() throws IOException {
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_WRITE);
    DirectoryNode d = dir(root, "d");
    assertFails(FsError.PERM, () -> root.createSymlink("abs", "/etc/passwd"));
    assertFails(FsError.PERM, () -> root.createSymlink("up", "../outside/secret"));
    assertFails(FsError.PERM, () -> root.createSymlink("sneaky", "d/../../outside"));
    assertFails(FsError.PERM, () -> d.createSymlink("up2", "../../outside"));
    assertThat(names(root)).containsExactly("d", "f");
    assertThat(names(d)).containsExactly("g");

    d.createSymlink("sibling", "../f");
    root.createSymlink("self", "./d/./g");
    assertThat(Files.readSymbolicLink(mount.resolve("d/sibling"))).isEqualTo(Path.of("../f"));
    assertThat(Files.isSymbolicLink(mount.resolve("self"))).isTrue();
  }

  @Test
  void aDirectorySwappedForALinkAfterLookup_isCaughtBeforeAnythingOutsideIsTouched() throws IOException {
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_WRITE);
    DirectoryNode d = dir(root, "d");
    FileNode g = file(d, "g");
    Files.move(mount.resolve("d"), mount.resolve("elsewhere"));
    Files.createSymbolicLink(mount.resolve("d"), outside);
    Files.writeString(outside.resolve("g"), "outside g");

    assertFails(FsError.NOTCAPABLE, () -> d.lookup("secret"));
    assertFails(FsError.NOTCAPABLE, d::entries);
    assertFails(FsError.NOTCAPABLE, () -> d.createFile("planted"));
    assertFails(FsError.NOTCAPABLE, () -> d.createDirectory("planted"));
    assertFails(FsError.NOTCAPABLE, () -> d.createSymlink("planted", "g"));
    assertFails(FsError.NOTCAPABLE, () -> d.removeFile("secret"));
    assertFails(FsError.NOTCAPABLE, () -> d.rename("secret", root, "stolen"));
    assertFails(FsError.NOTCAPABLE, () -> root.rename("f", d, "f"));
    assertFails(FsError.NOTCAPABLE, () -> g.open(true, false));
    assertFails(FsError.NOTCAPABLE, () -> g.truncate(0));
    assertFails(FsError.NOTCAPABLE, g::stat);
    assertFails(FsError.NOTCAPABLE, () -> g.setTimes(0L, 0L));

    try (var listing = Files.list(outside)) {
      assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("secret", "g");
    }
    assertThat(Files.readString(secret)).isEqualTo("do not read");
    assertThat(Files.readString(outside.resolve("g"))).isEqualTo("outside g");
    assertThat(Files.exists(mount.resolve("stolen"))).isFalse();
  }

  @Test
  void aFreshLookupOfTheSwappedName_seesOnlyTheLink() throws IOException {
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_WRITE);
    Files.move(mount.resolve("d"), mount.resolve("elsewhere"));
    Files.createSymbolicLink(mount.resolve("d"), outside);
    assertThat(root.lookup("d")).isInstanceOf(SymlinkNode.class);
  }

  @Test
  void theRootMayBeReachedThroughALink_andIsResolvedOnce() throws IOException {
    Path link = Files.createSymbolicLink(tmp.resolve("link"), mount);
    DirectoryNode root = HostDirectory.of(link, MountMode.READ_WRITE);
    root.createFile("new");
    assertThat(Files.exists(mount.resolve("new"))).isTrue();
  }

  @Test
  void of_refusesWhatIsNotADirectory() {
    assertFails(FsError.NOENT, () -> HostDirectory.of(tmp.resolve("missing"), MountMode.READ_ONLY));
    assertFails(FsError.NOTDIR, () -> HostDirectory.of(mount.resolve("f"), MountMode.READ_ONLY));
  }

  @Test
  void readOnly_refusesEveryChange_andTheDiskStaysAsItWas() throws IOException {
    Files.createSymbolicLink(mount.resolve("l"), Path.of("f"));
    Files.createDirectory(mount.resolve("empty"));
    FileTime mtime = Files.getLastModifiedTime(mount.resolve("f"));
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_ONLY);
    FileNode f = file(root, "f");
    DirectoryNode d = dir(root, "d");
    Node l = root.lookup("l");

    assertThat(root.writable()).isFalse();
    assertThat(f.writable()).isFalse();
    assertThat(d.writable()).isFalse();
    assertThat(l.writable()).isFalse();
    assertFails(FsError.ROFS, () -> root.createFile("x"));
    assertFails(FsError.ROFS, () -> root.createDirectory("x"));
    assertFails(FsError.ROFS, () -> root.createSymlink("x", "f"));
    assertFails(FsError.ROFS, () -> root.createLink("x", f));
    assertFails(FsError.ROFS, () -> root.removeFile("f"));
    assertFails(FsError.ROFS, () -> root.removeFile("l"));
    assertFails(FsError.ROFS, () -> root.removeDirectory("empty"));
    assertFails(FsError.ROFS, () -> root.rename("f", root, "g"));
    assertFails(FsError.ROFS, () -> root.rename("f", d, "f"));
    assertFails(FsError.ROFS, () -> f.open(false, true));
    assertFails(FsError.ROFS, () -> f.open(true, true));
    assertFails(FsError.ROFS, () -> f.truncate(0));
    assertFails(FsError.ROFS, () -> f.setTimes(0L, 0L));
    assertFails(FsError.ROFS, () -> d.setTimes(0L, 0L));
    assertFails(FsError.ROFS, () -> l.setTimes(0L, 0L));
    try (OpenFile o = f.open(true, false)) {
      assertFails(FsError.ROFS, () -> o.setTimes(0L, 0L));
      assertFails(FsError.BADF, () -> o.write(ByteBuffer.wrap(new byte[1]), 0));
      assertThat(FsAssertions.readAll(o)).isEqualTo("inside");
    }

    assertThat(read(f)).isEqualTo("inside");
    assertThat(names(root)).containsExactly("d", "empty", "f", "l");
    assertThat(Files.getLastModifiedTime(mount.resolve("f"))).isEqualTo(mtime);
  }

  @Test
  void statsComeFromTheHost() throws IOException {
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_ONLY);
    NodeStat s = root.lookup("f").stat();
    Object ino = Files.getAttribute(mount.resolve("f"), "unix:ino", LinkOption.NOFOLLOW_LINKS);
    Object dev = Files.getAttribute(mount.resolve("f"), "unix:dev", LinkOption.NOFOLLOW_LINKS);
    assertThat(s.inode()).isEqualTo(((Number) ino).longValue());
    assertThat(s.device()).isEqualTo(((Number) dev).longValue());
    assertThat(s.size()).isEqualTo(6);
    assertThat(s.modifyTime())
        .isEqualTo(Files.getLastModifiedTime(mount.resolve("f")).to(java.util.concurrent.TimeUnit.NANOSECONDS));
  }

  @Test
  void writesReachTheDisk() throws IOException {
    DirectoryNode root = HostDirectory.of(mount, MountMode.READ_WRITE);
    FileNode n = root.createFile("n");
    try (OpenFile o = n.open(false, true)) {
      o.write(ByteBuffer.wrap("on disk".getBytes(StandardCharsets.UTF_8)), 0);
    }
    assertThat(Files.readString(mount.resolve("n"))).isEqualTo("on disk");
  }

  @Test
  void ioFailures_mapToTheirPosixErrors() {
    assertThat(Errors.errorOf(new NoSuchFileException("x"))).isEqualTo(FsError.NOENT);
    assertThat(Errors.errorOf(new FileAlreadyExistsException("x"))).isEqualTo(FsError.EXIST);
    assertThat(Errors.errorOf(new DirectoryNotEmptyException("x"))).isEqualTo(FsError.NOTEMPTY);
    assertThat(Errors.errorOf(new NotDirectoryException("x"))).isEqualTo(FsError.NOTDIR);
    assertThat(Errors.errorOf(new AccessDeniedException("x"))).isEqualTo(FsError.ACCES);
    assertThat(Errors.errorOf(new FileSystemException("x", null, "Is a directory"))).isEqualTo(FsError.ISDIR);
    assertThat(Errors.errorOf(new FileSystemException("x", null, "Not a directory"))).isEqualTo(FsError.NOTDIR);
    assertThat(Errors.errorOf(new FileSystemException("x", "y", "Invalid cross-device link")))
        .isEqualTo(FsError.XDEV);
    assertThat(
            Errors.errorOf(
                new FileSystemException(
                    "x", null, "Too many levels of symbolic links or unable to access attributes of symbolic link")))
        .isEqualTo(FsError.LOOP);
    assertThat(Errors.errorOf(new FileSystemException("x", null, "No space left on device")))
        .isEqualTo(FsError.NOSPC);
    assertThat(Errors.errorOf(new IOException("No space left on device"))).isEqualTo(FsError.NOSPC);
    assertThat(Errors.errorOf(new FileSystemException("x", null, "Read-only file system"))).isEqualTo(FsError.ROFS);
    assertThat(Errors.errorOf(new IOException("something else"))).isEqualTo(FsError.IO);
    assertThat(Errors.map(new IllegalStateException("bug")).error()).isEqualTo(FsError.IO);
  }
}
