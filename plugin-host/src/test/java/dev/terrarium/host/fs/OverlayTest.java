package dev.terrarium.host.fs;

import static dev.terrarium.host.fs.FsAssertions.assertFails;
import static dev.terrarium.host.fs.FsAssertions.dir;
import static dev.terrarium.host.fs.FsAssertions.file;
import static dev.terrarium.host.fs.FsAssertions.names;
import static dev.terrarium.host.fs.FsAssertions.read;
import static dev.terrarium.host.fs.FsAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.MountMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An overlay shows the upper over the lower, changes only the upper, and hides what was removed. */
class OverlayTest {
  @TempDir Path lowerDir;
  private MemoryFileSystem upper;
  private DirectoryNode overlay;
  private List<String> lowerBefore;

  @BeforeEach
  void layout() throws IOException {
    Files.writeString(lowerDir.resolve("a.txt"), "lower a");
    Files.createDirectories(lowerDir.resolve("dir/sub"));
    Files.writeString(lowerDir.resolve("dir/b.txt"), "lower b");
    Files.writeString(lowerDir.resolve("dir/sub/c.txt"), "lower c");
    Files.createSymbolicLink(lowerDir.resolve("link"), Path.of("a.txt"));
    lowerBefore = snapshot(lowerDir);
    upper = MemoryFileSystem.create();
    overlay = Overlay.of(HostDirectory.of(lowerDir, MountMode.READ_ONLY), upper.root());
  }

  @AfterEach
  void lowerIsNeverChanged() throws IOException {
    assertThat(snapshot(lowerDir)).isEqualTo(lowerBefore);
    upper.close();
  }

  /** Every path with its content (or link text) and modification time. */
  private static List<String> snapshot(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      return all.sorted()
          .map(
              p -> {
                try {
                  String what =
                      Files.isSymbolicLink(p)
                          ? "-> " + Files.readSymbolicLink(p)
                          : Files.isDirectory(p) ? "dir" : Files.readString(p);
                  return root.relativize(p) + " " + what + " " + Files.getLastModifiedTime(p);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }

  private DirectoryNode sub() {
    return dir(dir(overlay, "dir"), "sub");
  }

  @Test
  void reads_seeTheLowerTree() {
    assertThat(names(overlay)).containsExactly("a.txt", "dir", "link");
    assertThat(read(file(overlay, "a.txt"))).isEqualTo("lower a");
    assertThat(read(file(dir(overlay, "dir"), "b.txt"))).isEqualTo("lower b");
    assertThat(((SymlinkNode) overlay.lookup("link")).target()).isEqualTo("a.txt");
    assertThat(overlay.writable()).isTrue();
    assertThat(upper.usedEntries()).isZero();
  }

  @Test
  void writingALowerFile_copiesItUpFirst() throws IOException {
    FileNode a = file(overlay, "a.txt");
    try (OpenFile o = a.open(true, true)) {
      o.write(ByteBuffer.wrap("L".getBytes(StandardCharsets.UTF_8)), 0);
    }
    assertThat(read(file(overlay, "a.txt"))).isEqualTo("Lower a");
    assertThat(Files.readString(upper.path("/a.txt"))).isEqualTo("Lower a");
  }

  @Test
  void copyUp_createsTheParentDirectoriesItNeeds_andOnlyThose() throws IOException {
    file(sub(), "c.txt").truncate(3);
    assertThat(read(file(sub(), "c.txt"))).isEqualTo("low");
    assertThat(Files.readString(upper.path("/dir/sub/c.txt"))).isEqualTo("low");
    try (Stream<Path> upperDir = Files.list(upper.path("/dir"))) {
      assertThat(upperDir.map(p -> p.getFileName().toString())).containsExactly("sub");
    }
    assertThat(names(dir(overlay, "dir"))).containsExactly("b.txt", "sub");
  }

  @Test
  void copyUp_keepsTimesAndTheInode_evenForAFileOpenedBefore() {
    FileNode a = file(overlay, "a.txt");
    NodeStat before = a.stat();
    try (OpenFile reading = a.open(true, false)) {
      a.open(false, true).close(); // copy-up, no change
      NodeStat after = a.stat();
      assertThat(after.inode()).isEqualTo(before.inode());
      assertThat(after.device()).isEqualTo(before.device());
      assertThat(after.modifyTime()).isEqualTo(before.modifyTime());
      assertThat(reading.stat().inode()).isEqualTo(before.inode());
      assertThat(overlay.entries()).filteredOn(e -> e.name().equals("a.txt"))
          .extracting(DirEntry::inode)
          .containsExactly(before.inode());
    }
  }

  @Test
  void aLowerDirectory_keepsItsInode_whenCopiedUp() {
    long before = dir(overlay, "dir").stat().inode();
    dir(overlay, "dir").createFile("new");
    assertThat(dir(overlay, "dir").stat().inode()).isEqualTo(before);
    assertThat(overlay.entries()).filteredOn(e -> e.name().equals("dir"))
        .extracting(DirEntry::inode)
        .containsExactly(before);
  }

  @Test
  void setTimes_onALowerFile_copiesItUp() throws IOException {
    FileNode a = file(overlay, "a.txt");
    a.setTimes(1_000_000_001L, 2_000_000_002L);
    assertThat(a.stat().accessTime()).isEqualTo(1_000_000_001L);
    assertThat(a.stat().modifyTime()).isEqualTo(2_000_000_002L);
    assertThat(Files.exists(upper.path("/a.txt"))).isTrue();
  }

  @Test
  void removingALowerFile_whitesItOut_andTheNameCanBeCreatedAgain() {
    overlay.removeFile("a.txt");
    assertThat(overlay.lookup("a.txt")).isNull();
    assertThat(names(overlay)).containsExactly("dir", "link");
    assertFails(FsError.NOENT, () -> overlay.removeFile("a.txt"));

    write(overlay.createFile("a.txt"), "new a");
    assertThat(read(file(overlay, "a.txt"))).isEqualTo("new a");
    overlay.removeFile("a.txt");
    assertThat(overlay.lookup("a.txt")).isNull();
  }

  @Test
  void removingALowerDirectory_needsItEmpty_andARecreatedOneStartsEmpty() {
    assertFails(FsError.NOTEMPTY, () -> overlay.removeDirectory("dir"));
    sub().removeFile("c.txt");
    dir(overlay, "dir").removeDirectory("sub");
    dir(overlay, "dir").removeFile("b.txt");
    assertThat(names(dir(overlay, "dir"))).isEmpty();
    overlay.removeDirectory("dir");
    assertThat(names(overlay)).containsExactly("a.txt", "link");

    DirectoryNode again = overlay.createDirectory("dir");
    assertThat(names(again)).isEmpty();
    assertThat(again.lookup("b.txt")).isNull();
  }

  @Test
  void listings_mergeBothLayers_withTheUpperWinning() {
    DirectoryNode d = dir(overlay, "dir");
    write(d.createFile("new.txt"), "upper");
    assertFails(FsError.EXIST, () -> d.createFile("b.txt"));
    write(file(d, "b.txt"), "upper b");
    assertThat(d.entries())
        .extracting(DirEntry::name, DirEntry::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("b.txt", NodeType.REGULAR_FILE),
            org.assertj.core.groups.Tuple.tuple("new.txt", NodeType.REGULAR_FILE),
            org.assertj.core.groups.Tuple.tuple("sub", NodeType.DIRECTORY));
    assertThat(read(file(d, "b.txt"))).isEqualTo("upper b");
  }

  @Test
  void renamingALowerDirectory_copiesTheTreeUpAndHidesTheSource() throws IOException {
    overlay.rename("dir", overlay, "moved");
    assertThat(names(overlay)).containsExactly("a.txt", "link", "moved");
    DirectoryNode moved = dir(overlay, "moved");
    assertThat(names(moved)).containsExactly("b.txt", "sub");
    assertThat(read(file(dir(moved, "sub"), "c.txt"))).isEqualTo("lower c");
    assertThat(Files.readString(upper.path("/moved/sub/c.txt"))).isEqualTo("lower c");

    DirectoryNode again = overlay.createDirectory("dir");
    assertThat(names(again)).isEmpty();
  }

  @Test
  void renamingALowerFileOverAnother_replacesIt() {
    overlay.rename("a.txt", dir(overlay, "dir"), "b.txt");
    assertThat(overlay.lookup("a.txt")).isNull();
    assertThat(read(file(dir(overlay, "dir"), "b.txt"))).isEqualTo("lower a");
    assertThat(names(dir(overlay, "dir"))).containsExactly("b.txt", "sub");
  }

  @Test
  void renamingOverALowerDirectory_followsPosix() {
    overlay.createDirectory("empty");
    assertFails(FsError.NOTEMPTY, () -> overlay.rename("empty", overlay, "dir"));
    assertFails(FsError.ISDIR, () -> overlay.rename("a.txt", overlay, "dir"));
    assertFails(FsError.NOTDIR, () -> overlay.rename("dir", overlay, "a.txt"));
    assertFails(FsError.INVAL, () -> overlay.rename("dir", dir(overlay, "dir"), "inner"));
    assertThat(names(overlay)).containsExactly("a.txt", "dir", "empty", "link");
  }

  @Test
  void aHardLinkToALowerFile_linksTheCopiedUpFile() {
    overlay.createLink("hard", file(overlay, "a.txt"));
    assertThat(read(file(overlay, "hard"))).isEqualTo("lower a");
    write(file(overlay, "hard"), "shared");
    assertThat(read(file(overlay, "a.txt"))).isEqualTo("shared");
    assertThat(overlay.lookup("hard").stat().inode()).isEqualTo(overlay.lookup("a.txt").stat().inode());
  }

  @Test
  void aCopyUpPastTheUppersQuota_failsAndLeavesNoPartialFile() {
    try (MemoryFileSystem small = MemoryFileSystem.builder().maxBytes(3).build()) {
      DirectoryNode o = Overlay.of(HostDirectory.of(lowerDir, MountMode.READ_ONLY), small.root());
      assertFails(FsError.DQUOT, () -> file(o, "a.txt").open(true, true));
      assertThat(read(file(o, "a.txt"))).isEqualTo("lower a");
      assertThat(small.usedEntries()).isZero();
      assertThat(small.usedBytes()).isZero();
    }
  }

  @Test
  void aReadOnlyUpper_makesTheOverlayReadOnly() {
    DirectoryNode o = Overlay.of(HostDirectory.of(lowerDir, MountMode.READ_ONLY), Nodes.readOnly(upper.root()));
    assertThat(o.writable()).isFalse();
    assertFails(FsError.ROFS, () -> o.createFile("x"));
    assertFails(FsError.ROFS, () -> file(o, "a.txt").open(false, true));
    assertFails(FsError.ROFS, () -> o.removeFile("a.txt"));
    assertThat(read(file(o, "a.txt"))).isEqualTo("lower a");
  }

  @Test
  void renamingBetweenTwoOverlays_isXdev() {
    try (MemoryFileSystem other = MemoryFileSystem.create()) {
      DirectoryNode second = Overlay.of(HostDirectory.of(lowerDir, MountMode.READ_ONLY), other.root());
      assertFails(FsError.XDEV, () -> overlay.rename("a.txt", second, "a.txt"));
      assertFails(FsError.XDEV, () -> overlay.rename("a.txt", upper.root(), "a.txt"));
      assertFails(FsError.XDEV, () -> overlay.createLink("x", second.lookup("a.txt")));
    }
  }
}
