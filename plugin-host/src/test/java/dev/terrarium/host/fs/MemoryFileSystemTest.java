package dev.terrarium.host.fs;

import static dev.terrarium.host.fs.FsAssertions.assertFails;
import static dev.terrarium.host.fs.FsAssertions.file;
import static dev.terrarium.host.fs.FsAssertions.names;
import static dev.terrarium.host.fs.FsAssertions.read;
import static dev.terrarium.host.fs.FsAssertions.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Quotas of a {@link MemoryFileSystem}: exact, all-or-nothing, given back, and safe under concurrent writers. */
class MemoryFileSystemTest {

  private static ByteBuffer bytes(int n) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) 'x');
    return ByteBuffer.wrap(b);
  }

  @Test
  void aWritePastTheByteQuota_failsWithDquot_writingNothing() {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(10).build()) {
      FileNode f = fs.root().createFile("f");
      write(f, "12345678");
      try (OpenFile o = f.open(true, true)) {
        ByteBuffer three = bytes(3);
        FsException e = assertFails(FsError.DQUOT, () -> o.write(three, 8));
        assertThat(e.getMessage()).contains("quota of 10 bytes");
        assertThat(three.remaining()).isEqualTo(3);
        assertThat(o.size()).isEqualTo(8);
        assertThat(fs.usedBytes()).isEqualTo(8);

        assertThat(o.write(bytes(2), 8)).isEqualTo(2); // exactly to the limit
        assertThat(o.write(bytes(10), 0)).isEqualTo(10); // overwriting costs nothing
        assertFails(FsError.DQUOT, () -> o.write(bytes(1), 10));
      }
      assertThat(fs.usedBytes()).isEqualTo(10);
      assertThat(read(f)).isEqualTo("xxxxxxxxxx");
    }
  }

  @Test
  void aGapBeforeAWrite_countsAsItsZeros() {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(100).build()) {
      FileNode f = fs.root().createFile("f");
      try (OpenFile o = f.open(false, true)) {
        assertFails(FsError.DQUOT, () -> o.write(bytes(1), 100));
        assertThat(o.size()).isZero();
        o.write(bytes(1), 99);
      }
      assertThat(fs.usedBytes()).isEqualTo(100);
    }
  }

  @Test
  void truncatePastTheQuota_failsAndKeepsTheSize_andShrinkingGivesBytesBack() {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(50).build()) {
      FileNode f = fs.root().createFile("f");
      f.truncate(40);
      assertFails(FsError.DQUOT, () -> f.truncate(51));
      try (OpenFile o = f.open(false, true)) {
        assertFails(FsError.DQUOT, () -> o.truncate(51));
      }
      assertThat(f.stat().size()).isEqualTo(40);
      assertThat(fs.usedBytes()).isEqualTo(40);
      f.truncate(10);
      assertThat(fs.usedBytes()).isEqualTo(10);
      f.truncate(50);
      assertThat(fs.usedBytes()).isEqualTo(50);
    }
  }

  @Test
  void removingAFile_givesItsBytesAndEntryBack() {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(10).build()) {
      write(fs.root().createFile("a"), "0123456789");
      assertFails(FsError.DQUOT, () -> fs.root().createFile("b").truncate(1));
      fs.root().removeFile("a");
      assertThat(fs.usedBytes()).isZero();
      assertThat(fs.usedEntries()).isEqualTo(1); // "b", created empty
      write(file(fs.root(), "b"), "0123456789");
      assertThat(fs.usedBytes()).isEqualTo(10);
    }
  }

  @Test
  void hardLinks_countTheirBytesOnce_andEachName() {
    try (MemoryFileSystem fs = MemoryFileSystem.create()) {
      DirectoryNode root = fs.root();
      FileNode f = root.createFile("f");
      write(f, "0123456789");
      root.createLink("g", f);
      root.createDirectory("d").createLink("h", f);
      assertThat(fs.usedBytes()).isEqualTo(10);
      assertThat(fs.usedEntries()).isEqualTo(4);
      root.removeFile("f");
      root.removeFile("g");
      assertThat(fs.usedBytes()).isEqualTo(10);
      assertThat(fs.usedEntries()).isEqualTo(2);
      ((DirectoryNode) root.lookup("d")).removeFile("h");
      assertThat(fs.usedBytes()).isZero();
      assertThat(fs.usedEntries()).isEqualTo(1);
    }
  }

  @Test
  void theEntryQuota_countsFilesDirectoriesLinksAndHardLinks() {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxEntries(4).build()) {
      DirectoryNode root = fs.root();
      FileNode f = root.createFile("f");
      DirectoryNode d = root.createDirectory("d");
      d.createSymlink("l", "../f");
      root.createLink("g", f);
      assertThat(fs.usedEntries()).isEqualTo(4);
      assertFails(FsError.DQUOT, () -> root.createFile("x"));
      assertFails(FsError.DQUOT, () -> d.createDirectory("x"));
      assertFails(FsError.DQUOT, () -> root.createSymlink("x", "f"));
      assertFails(FsError.DQUOT, () -> root.createLink("x", f));
      assertThat(names(root)).containsExactly("d", "f", "g");
      assertThat(names(d)).containsExactly("l");
      assertThat(fs.usedEntries()).isEqualTo(4);

      root.rename("g", d, "g2"); // a rename neither takes nor gives
      assertThat(fs.usedEntries()).isEqualTo(4);
      d.removeFile("l");
      root.createFile("x");
      assertThat(fs.usedEntries()).isEqualTo(4);
    }
  }

  @Test
  void renamingOverAFile_givesTheReplacedOneBack() {
    try (MemoryFileSystem fs = MemoryFileSystem.create()) {
      write(fs.root().createFile("a"), "aaa");
      write(fs.root().createFile("b"), "bbbbbbb");
      fs.root().rename("a", fs.root(), "b");
      assertThat(fs.usedBytes()).isEqualTo(3);
      assertThat(fs.usedEntries()).isEqualTo(1);
      fs.root().createDirectory("d1");
      fs.root().createDirectory("d2");
      fs.root().rename("d1", fs.root(), "d2");
      assertThat(fs.usedEntries()).isEqualTo(2);
    }
  }

  @Test
  void aFileRemovedWhileOpen_keepsItsBytesUntilClosed() {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(20).build()) {
      FileNode f = fs.root().createFile("f");
      write(f, "0123456789");
      OpenFile o = f.open(true, true);
      fs.root().removeFile("f");
      assertThat(fs.usedBytes()).isEqualTo(10);
      assertThat(fs.usedEntries()).isZero();
      o.write(bytes(5), 10);
      assertThat(fs.usedBytes()).isEqualTo(15);
      assertFails(FsError.DQUOT, () -> o.write(bytes(6), 15));
      assertThat(o.stat().inode()).isNotZero();
      o.close();
      o.close(); // twice is harmless
      assertThat(fs.usedBytes()).isZero();
    }
  }

  @Test
  void filesWrittenThroughNio_countAfterRecount() throws Exception {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(100).build()) {
      Files.createDirectories(fs.path("/etc/app"));
      Files.writeString(fs.path("/etc/app/config"), "0123456789");
      Files.createLink(fs.path("/etc/app/again"), fs.path("/etc/app/config"));
      Files.createSymbolicLink(fs.path("/etc/link"), fs.path("/etc").getFileSystem().getPath("app"));
      assertThat(fs.usedBytes()).isZero();

      fs.recount();
      assertThat(fs.usedBytes()).isEqualTo(10);
      assertThat(fs.usedEntries()).isEqualTo(5); // etc, app, config, again, link
      DirectoryNode app = (DirectoryNode) ((DirectoryNode) fs.root().lookup("etc")).lookup("app");
      assertThat(read(file(app, "config"))).isEqualTo("0123456789");
    }
  }

  @Test
  void symlinks_mayHoldAnyTarget_sinceNothingLiesOutside() {
    try (MemoryFileSystem fs = MemoryFileSystem.create()) {
      fs.root().createSymlink("abs", "/etc/passwd");
      fs.root().createSymlink("up", "../../x");
      assertThat(((SymlinkNode) fs.root().lookup("abs")).target()).isEqualTo("/etc/passwd");
      assertThat(((SymlinkNode) fs.root().lookup("up")).target()).isEqualTo("../../x");
      assertFails(FsError.NOENT, () -> fs.root().createSymlink("empty", ""));
    }
  }

  @Test
  void eachFileSystem_hasItsOwnDevice() {
    try (MemoryFileSystem a = MemoryFileSystem.create();
        MemoryFileSystem b = MemoryFileSystem.create()) {
      assertThat(a.device()).isNotEqualTo(b.device());
      assertThat(a.root().stat().device()).isEqualTo(a.device());
      assertThat(a.root().createFile("f").stat().device()).isEqualTo(a.device());
    }
  }

  @Test
  void afterClose_operationsFailWithAnFsException() {
    MemoryFileSystem fs = MemoryFileSystem.create();
    DirectoryNode root = fs.root();
    fs.close();
    assertThatThrownBy(() -> root.createFile("f")).isInstanceOf(FsException.class);
    assertThatThrownBy(root::entries).isInstanceOf(FsException.class);
  }

  @Test
  void builderAndPath_nameTheBadValue() {
    assertThatThrownBy(() -> MemoryFileSystem.builder().maxBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBytes must not be negative, was -1");
    assertThatThrownBy(() -> MemoryFileSystem.builder().maxEntries(5).maxEntries(6))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxEntries was already set to 5");
    try (MemoryFileSystem fs = MemoryFileSystem.create()) {
      assertThatThrownBy(() -> fs.path("relative"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'relative'");
      assertThat(fs.maxBytes()).isEqualTo(MemoryFileSystem.DEFAULT_MAX_BYTES);
      assertThat(fs.maxEntries()).isEqualTo(MemoryFileSystem.DEFAULT_MAX_ENTRIES);
    }
  }

  @Test
  void concurrentWriters_neverPassTheQuota_andTheCountMatchesTheFiles() throws Exception {
    int threads = 6;
    long max = 30_000;
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(max).maxEntries(1_000).build()) {
      FileNode shared = fs.root().createFile("shared");
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> refusals = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        refusals.add(
            pool.submit(
                () -> {
                  start.await();
                  FileNode own = fs.root().createFile("own" + id);
                  int refused = 0;
                  try (OpenFile mine = own.open(false, true);
                      OpenFile common = shared.open(false, true)) {
                    for (int i = 0; i < 400; i++) {
                      ThreadLocalRandom r = ThreadLocalRandom.current();
                      try {
                        if (i % 3 == 0) {
                          common.write(bytes(r.nextInt(1, 300)), r.nextLong(0, 20_000));
                        } else if (i % 17 == 0) {
                          mine.truncate(r.nextLong(0, 2_000));
                        } else {
                          mine.write(bytes(r.nextInt(1, 300)), mine.size());
                        }
                      } catch (FsException e) {
                        assertThat(e.error()).isEqualTo(FsError.DQUOT);
                        refused++;
                      }
                      assertThat(fs.usedBytes()).isLessThanOrEqualTo(max);
                    }
                  }
                  return refused;
                }));
      }
      start.countDown();
      int refused = 0;
      for (Future<Integer> f : refusals) {
        refused += f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();

      long actual = 0;
      for (DirEntry e : fs.root().entries()) {
        actual += fs.root().lookup(e.name()).stat().size();
      }
      assertThat(refused).as("the quota was reached").isPositive();
      assertThat(fs.usedBytes()).isEqualTo(actual).isLessThanOrEqualTo(max);
      long counted = fs.usedBytes();
      fs.recount();
      assertThat(fs.usedBytes()).isEqualTo(counted);
    }
  }

  @Test
  void concurrentCreators_stopExactlyAtTheEntryQuota() throws Exception {
    try (MemoryFileSystem fs = MemoryFileSystem.builder().maxEntries(100).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    try {
                      fs.root().createFile(id + "-" + i);
                    } catch (FsException e) {
                      assertThat(e.error()).isEqualTo(FsError.DQUOT);
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(fs.root().entries()).hasSize(100);
      assertThat(fs.usedEntries()).isEqualTo(100);
    }
  }
}
