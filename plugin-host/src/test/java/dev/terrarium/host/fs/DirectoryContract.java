package dev.terrarium.host.fs;

import static dev.terrarium.host.fs.FsAssertions.assertFails;
import static dev.terrarium.host.fs.FsAssertions.dir;
import static dev.terrarium.host.fs.FsAssertions.file;
import static dev.terrarium.host.fs.FsAssertions.names;
import static dev.terrarium.host.fs.FsAssertions.read;
import static dev.terrarium.host.fs.FsAssertions.readAll;
import static dev.terrarium.host.fs.FsAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every writable {@link DirectoryNode} does, POSIX errors included. Each subclass runs it on one kind of file
 * system.
 */
abstract class DirectoryContract {
  private MemoryFileSystem other;
  DirectoryNode root;

  /** A new, empty, writable root. */
  abstract DirectoryNode newRoot() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    root = newRoot();
    other = MemoryFileSystem.create();
  }

  @AfterEach
  void closeOther() {
    other.close();
  }

  @Test
  void createFile_isFoundListedAndReadable() {
    FileNode f = root.createFile("a");
    write(f, "hello");

    Node found = root.lookup("a");
    assertThat(found).isInstanceOf(FileNode.class);
    NodeStat stat = found.stat();
    assertThat(stat.type()).isEqualTo(NodeType.REGULAR_FILE);
    assertThat(stat.size()).isEqualTo(5);
    assertThat(stat.linkCount()).isEqualTo(1);
    assertThat(read((FileNode) found)).isEqualTo("hello");
    assertThat(root.entries()).containsExactly(new DirEntry("a", NodeType.REGULAR_FILE, stat.inode()));
    assertThat(found.writable()).isTrue();
  }

  @Test
  void entries_areSortedAndNeverDotOrDotDot() {
    root.createFile("b");
    root.createDirectory("a");
    root.createSymlink("c", "a");
    assertThat(root.entries())
        .extracting(DirEntry::name, DirEntry::type)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", NodeType.DIRECTORY),
            org.assertj.core.groups.Tuple.tuple("b", NodeType.REGULAR_FILE),
            org.assertj.core.groups.Tuple.tuple("c", NodeType.SYMBOLIC_LINK));
  }

  @Test
  void lookup_ofAMissingName_isNull() {
    assertThat(root.lookup("nothing")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "/", "a\0b"})
  void everyOperation_refusesWhatIsNotOneName(String bad) {
    root.createFile("f");
    assertFails(FsError.INVAL, () -> root.lookup(bad));
    assertFails(FsError.INVAL, () -> root.createFile(bad));
    assertFails(FsError.INVAL, () -> root.createDirectory(bad));
    assertFails(FsError.INVAL, () -> root.createSymlink(bad, "f"));
    assertFails(FsError.INVAL, () -> root.removeFile(bad));
    assertFails(FsError.INVAL, () -> root.removeDirectory(bad));
    assertFails(FsError.INVAL, () -> root.rename("f", root, bad));
    assertThat(names(root)).containsExactly("f");
  }

  @Test
  void create_overAnyExistingEntry_isExist() {
    root.createFile("f");
    root.createDirectory("d");
    root.createSymlink("l", "dangling");
    for (String name : new String[] {"f", "d", "l"}) {
      assertFails(FsError.EXIST, () -> root.createFile(name));
      assertFails(FsError.EXIST, () -> root.createDirectory(name));
      assertFails(FsError.EXIST, () -> root.createSymlink(name, "x"));
    }
    assertThat(root.lookup("l")).isInstanceOf(SymlinkNode.class);
  }

  @Test
  void createDirectory_nestsAndListsItsOwnEntries() {
    DirectoryNode d = root.createDirectory("d");
    d.createFile("inner");
    assertThat(dir(root, "d").stat().type()).isEqualTo(NodeType.DIRECTORY);
    assertThat(names(dir(root, "d"))).containsExactly("inner");
    assertThat(names(root)).containsExactly("d");
  }

  @Test
  void symlink_keepsItsRawTargetAndIsNeverFollowed() {
    root.createDirectory("d");
    root.createSymlink("l", "./d/./missing");
    Node l = root.lookup("l");
    assertThat(l).isInstanceOf(SymlinkNode.class);
    assertThat(((SymlinkNode) l).target()).isEqualTo("./d/./missing");
    assertThat(l.stat().type()).isEqualTo(NodeType.SYMBOLIC_LINK);

    root.createSymlink("toDir", "d");
    assertThat(root.lookup("toDir")).isInstanceOf(SymlinkNode.class);
    assertFails(FsError.NOTDIR, () -> root.removeDirectory("toDir"));
    root.removeFile("toDir");
    assertThat(root.lookup("d")).isInstanceOf(DirectoryNode.class);
  }

  @Test
  void createLink_namesTheSameFile() {
    FileNode f = root.createFile("f");
    write(f, "one");
    root.createLink("g", f);

    NodeStat fs = root.lookup("f").stat();
    NodeStat gs = root.lookup("g").stat();
    assertThat(gs.inode()).isEqualTo(fs.inode());
    assertThat(gs.device()).isEqualTo(fs.device());
    assertThat(gs.linkCount()).isEqualTo(2);
    write(file(root, "g"), "two");
    assertThat(read(file(root, "f"))).isEqualTo("two");

    root.removeFile("f");
    assertThat(read(file(root, "g"))).isEqualTo("two");
    assertThat(root.lookup("g").stat().linkCount()).isEqualTo(1);
  }

  @Test
  void createLink_toADirectory_isPerm() {
    DirectoryNode d = root.createDirectory("d");
    assertFails(FsError.PERM, () -> root.createLink("e", d));
  }

  @Test
  void createLink_andRename_acrossFileSystems_areXdev() {
    FileNode foreign = other.root().createFile("x");
    assertFails(FsError.XDEV, () -> root.createLink("x", foreign));
    root.createFile("f");
    assertFails(FsError.XDEV, () -> root.rename("f", other.root(), "f"));
    assertThat(root.lookup("f")).isNotNull();
    assertThat(other.root().lookup("f")).isNull();
  }

  @Test
  void createLink_overAnExistingName_isExist() {
    FileNode f = root.createFile("f");
    root.createFile("g");
    assertFails(FsError.EXIST, () -> root.createLink("g", f));
  }

  @Test
  void removeFile_followsPosix() {
    root.createFile("f");
    root.createDirectory("d");
    assertFails(FsError.NOENT, () -> root.removeFile("missing"));
    assertFails(FsError.ISDIR, () -> root.removeFile("d"));
    root.removeFile("f");
    assertThat(root.lookup("f")).isNull();
    assertThat(names(root)).containsExactly("d");
  }

  @Test
  void removeDirectory_followsPosix() {
    root.createFile("f");
    DirectoryNode d = root.createDirectory("d");
    d.createFile("inner");
    root.createDirectory("empty");
    assertFails(FsError.NOENT, () -> root.removeDirectory("missing"));
    assertFails(FsError.NOTDIR, () -> root.removeDirectory("f"));
    assertFails(FsError.NOTEMPTY, () -> root.removeDirectory("d"));
    root.removeDirectory("empty");
    assertThat(names(root)).containsExactly("d", "f");
  }

  @Test
  void rename_movesAFileToANewName() {
    write(root.createFile("f"), "data");
    DirectoryNode d = root.createDirectory("d");
    root.rename("f", d, "g");
    assertThat(root.lookup("f")).isNull();
    assertThat(read(file(dir(root, "d"), "g"))).isEqualTo("data");
  }

  @Test
  void rename_fileOverFile_replacesIt() {
    write(root.createFile("a"), "A");
    write(root.createFile("b"), "B");
    root.rename("a", root, "b");
    assertThat(names(root)).containsExactly("b");
    assertThat(read(file(root, "b"))).isEqualTo("A");
  }

  @Test
  void rename_directoryOverEmptyDirectory_replacesIt() {
    root.createDirectory("a").createFile("inside");
    root.createDirectory("b");
    root.rename("a", root, "b");
    assertThat(names(root)).containsExactly("b");
    assertThat(names(dir(root, "b"))).containsExactly("inside");
  }

  @Test
  void rename_whereThePosixRulesForbidIt_failsAndChangesNothing() {
    root.createDirectory("dir").createFile("inside");
    root.createDirectory("full").createFile("x");
    root.createFile("file");
    assertFails(FsError.NOTEMPTY, () -> root.rename("dir", root, "full"));
    assertFails(FsError.NOTDIR, () -> root.rename("dir", root, "file"));
    assertFails(FsError.ISDIR, () -> root.rename("file", root, "dir"));
    assertFails(FsError.INVAL, () -> root.rename("dir", dir(root, "dir"), "sub"));
    assertFails(FsError.NOENT, () -> root.rename("missing", root, "x"));
    assertThat(names(root)).containsExactly("dir", "file", "full");
    assertThat(names(dir(root, "dir"))).containsExactly("inside");
    assertThat(names(dir(root, "full"))).containsExactly("x");
  }

  @Test
  void rename_ontoItselfOrAnotherNameOfTheSameFile_doesNothing() {
    FileNode f = root.createFile("f");
    root.createLink("g", f);
    root.rename("f", root, "f");
    root.rename("f", root, "g");
    assertThat(names(root)).containsExactly("f", "g");
  }

  @Test
  void openFile_readsAndWritesAtPositions() {
    FileNode f = root.createFile("f");
    try (OpenFile o = f.open(true, true)) {
      assertThat(o.seekable()).isTrue();
      assertThat(o.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)), 0)).isEqualTo(3);
      assertThat(o.write(ByteBuffer.wrap("Z".getBytes(StandardCharsets.UTF_8)), 5)).isEqualTo(1);
      assertThat(o.size()).isEqualTo(6);
      assertThat(readAll(o)).isEqualTo("abc\0\0Z");
      ByteBuffer end = ByteBuffer.allocate(4);
      assertThat(o.read(end, 6)).isEqualTo(-1);
      o.truncate(2);
      assertThat(readAll(o)).isEqualTo("ab");
      o.truncate(4);
      assertThat(readAll(o)).isEqualTo("ab\0\0");
      assertThat(o.stat().size()).isEqualTo(4);
      assertThat(o.stat().inode()).isEqualTo(f.stat().inode());
      o.sync();
    }
  }

  @Test
  void openFile_forReadingOnly_refusesWrites() {
    FileNode f = root.createFile("f");
    try (OpenFile o = f.open(true, false)) {
      assertFails(FsError.BADF, () -> o.write(ByteBuffer.wrap(new byte[1]), 0));
      assertFails(FsError.BADF, () -> o.truncate(0));
    }
  }

  @Test
  void truncate_cutsAndZeroExtends() {
    FileNode f = root.createFile("f");
    write(f, "hello");
    f.truncate(2);
    assertThat(read(f)).isEqualTo("he");
    f.truncate(3);
    assertThat(read(f)).isEqualTo("he\0");
    assertFails(FsError.INVAL, () -> f.truncate(-1));
  }

  @Test
  void setTimes_roundTripsInNanoseconds_andNullKeepsATime() {
    FileNode f = root.createFile("f");
    long atime = 1_600_000_000_123_456_789L;
    long mtime = 1_500_000_000_987_654_321L;
    f.setTimes(atime, mtime);
    NodeStat s = f.stat();
    assertThat(s.accessTime()).isEqualTo(atime);
    assertThat(s.modifyTime()).isEqualTo(mtime);
    f.setTimes(null, mtime + 1_000_000_000L);
    assertThat(f.stat().accessTime()).isEqualTo(s.accessTime());
    assertThat(f.stat().modifyTime()).isEqualTo(s.modifyTime() + 1_000_000_000L);

    DirectoryNode d = root.createDirectory("d");
    d.setTimes(atime, mtime);
    assertThat(d.stat().modifyTime()).isEqualTo(s.modifyTime());
  }

  @Test
  void writing_movesTheModificationTime() throws Exception {
    FileNode f = root.createFile("f");
    f.setTimes(1_000_000_000L, 1_000_000_000L);
    write(f, "x");
    assertThat(f.stat().modifyTime()).isGreaterThan(1_000_000_000L);
  }

  @Test
  void nodesOfOneFileSystem_shareADevice_andHaveDistinctInodes() {
    FileNode a = root.createFile("a");
    DirectoryNode b = root.createDirectory("b");
    root.createSymlink("c", "a");
    long device = root.stat().device();
    assertThat(a.stat().device()).isEqualTo(device);
    assertThat(b.stat().device()).isEqualTo(device);
    assertThat(root.lookup("c").stat().device()).isEqualTo(device);
    assertThat(root.entries()).extracting(DirEntry::inode).doesNotHaveDuplicates();
  }

  @Test
  void nodes_seeChangesMadeThroughOthers() {
    DirectoryNode d = root.createDirectory("d");
    DirectoryNode sameDir = dir(root, "d");
    d.createFile("x");
    assertThat(names(sameDir)).containsExactly("x");
    assertThat(root.writable()).isTrue();
  }
}
