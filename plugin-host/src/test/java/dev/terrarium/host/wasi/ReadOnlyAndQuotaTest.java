package dev.terrarium.host.wasi;

import static dev.terrarium.host.wasi.Guest.ALL_RIGHTS;
import static dev.terrarium.host.wasi.Guest.FOLLOW;
import static dev.terrarium.host.wasi.Guest.O_CREAT;
import static dev.terrarium.host.wasi.Guest.O_DIRECTORY;
import static dev.terrarium.host.wasi.Guest.O_TRUNC;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.MemoryFileSystem;
import dev.terrarium.host.fs.Nodes;
import dev.terrarium.host.fs.Overlay;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Read-only mounts and views stay unchanged whatever the guest asks; quotas hold against every way to grow. */
class ReadOnlyAndQuotaTest {
  private MemoryFileSystem fs;

  @BeforeEach
  void fill() throws IOException {
    fs = MemoryFileSystem.builder().maxBytes(1 << 20).maxEntries(100).build();
    Files.writeString(fs.path("/f"), "original");
    Files.createDirectory(fs.path("/d"));
    Files.writeString(fs.path("/d/g"), "deeper");
    fs.recount();
  }

  @AfterEach
  void close() {
    fs.close();
  }

  private void assertUnchanged() throws IOException {
    assertThat(Files.readString(fs.path("/f"))).isEqualTo("original");
    assertThat(Files.readString(fs.path("/d/g"))).isEqualTo("deeper");
    try (var names = Files.list(fs.path("/"))) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("f", "d");
    }
  }

  /** Every change tried on a read-only mount of a writable file system (the rights are the only guard there). */
  private static void tryEveryChange(Guest g) {
    assertThat(g.openErrno(3, "f", FOLLOW, 0, Rights.FD_WRITE)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.openErrno(3, "f", FOLLOW, O_TRUNC, Rights.FD_READ)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.openErrno(3, "new", FOLLOW, O_CREAT, Rights.FD_READ)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.openErrno(3, "d", FOLLOW, O_DIRECTORY, Rights.FD_WRITE)).isIn(Errno.NOTCAPABLE, Errno.ISDIR);
    assertThat(g.pathCall("path_create_directory", 3, "x")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.pathCall("path_unlink_file", 3, "f")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.pathCall("path_remove_directory", 3, "d")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.symlink("f", 3, "l")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.link(3, 0, "f", 3, "f2")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.rename(3, "f", 3, "f2")).isEqualTo(Errno.NOTCAPABLE);
    long[] p = g.str("f");
    assertThat(g.call("path_filestat_set_times", 3, 0, p[0], p[1], 1, 1, 1 | 4)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.call("fd_filestat_set_times", 3, 1, 1, 1 | 4)).isEqualTo(Errno.NOTCAPABLE);

    // A file opened for reading: no right to write can be had, neither asked for nor raised later.
    int fd = g.open(3, "f", FOLLOW, 0, ALL_RIGHTS & ~Rights.FD_WRITE, 0);
    assertThat(fd).isGreaterThan(3);
    assertThat(g.call("fd_fdstat_set_rights", fd, ALL_RIGHTS, ALL_RIGHTS)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.write(fd, new byte[] {'x'})).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.pwrite(fd, new byte[] {'x'}, 0)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.call("fd_filestat_set_size", fd, 0)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.call("fd_allocate", fd, 0, 100)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.call("fd_filestat_set_times", fd, 1, 1, 1 | 4)).isEqualTo(Errno.NOTCAPABLE);
    // Moved over standard output, it keeps its own rights.
    assertThat(g.call("fd_renumber", fd, 1)).isEqualTo(Errno.SUCCESS);
    assertThat(g.write(1, new byte[] {'x'})).isEqualTo(Errno.NOTCAPABLE);
    // A directory opened below the mount inherits no more than the mount.
    int d = g.open(3, "d", FOLLOW, O_DIRECTORY, ALL_RIGHTS & ~Rights.FILE_WRITE, 0);
    assertThat(d).isGreaterThan(3);
    assertThat(g.openErrno(d, "g", FOLLOW, O_TRUNC, Rights.FD_READ)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.pathCall("path_unlink_file", d, "g")).isEqualTo(Errno.NOTCAPABLE);
  }

  @Test
  void aReadOnlyMountOfAWritableFileSystem_changesNothing() throws IOException {
    try (Guest g = Guest.with(fs.root(), true)) {
      tryEveryChange(g);
    }
    assertUnchanged();
  }

  @Test
  void aReadOnlyView_changesNothingEvenMountedReadWrite() throws IOException {
    try (Guest g = Guest.with(Nodes.readOnly(fs.root()), false)) {
      assertThat(g.openErrno(3, "f", FOLLOW, 0, Rights.FD_WRITE)).isEqualTo(Errno.ROFS);
      assertThat(g.openErrno(3, "f", FOLLOW, O_TRUNC, Rights.FD_READ)).isEqualTo(Errno.ROFS);
      assertThat(g.openErrno(3, "new", FOLLOW, O_CREAT, Rights.FD_READ)).isEqualTo(Errno.ROFS);
      assertThat(g.pathCall("path_create_directory", 3, "x")).isEqualTo(Errno.ROFS);
      assertThat(g.pathCall("path_unlink_file", 3, "f")).isEqualTo(Errno.ROFS);
      assertThat(g.pathCall("path_remove_directory", 3, "d")).isEqualTo(Errno.ROFS);
      assertThat(g.symlink("f", 3, "l")).isEqualTo(Errno.ROFS);
      assertThat(g.link(3, 0, "f", 3, "f2")).isEqualTo(Errno.ROFS);
      assertThat(g.rename(3, "f", 3, "f2")).isEqualTo(Errno.ROFS);
      assertThat(g.rename(3, "d/g", 3, "g")).isEqualTo(Errno.ROFS);
      long[] p = g.str("f");
      assertThat(g.call("path_filestat_set_times", 3, 0, p[0], p[1], 1, 1, 1 | 4)).isEqualTo(Errno.ROFS);
    }
    // Next to a writable mount of the same file system: nothing crosses from the view into it.
    try (Guest g =
        Guest.with(
            1 << 20,
            List.of(
                new WasiSetup.Preopen("/ro", Nodes.readOnly(fs.root()), false),
                new WasiSetup.Preopen("/rw", fs.root().lookup("d") instanceof DirectoryNode d ? d : null, false)))) {
      assertThat(g.link(3, 0, "f", 4, "stolen")).isEqualTo(Errno.XDEV);
      assertThat(g.rename(3, "f", 4, "stolen")).isEqualTo(Errno.ROFS);
      assertThat(g.rename(4, "g", 3, "g")).isEqualTo(Errno.XDEV);
      assertThat(g.symlink("../f", 4, "l")).isEqualTo(Errno.SUCCESS);
      assertThat(g.openErrno(4, "l", FOLLOW, 0, Rights.FD_WRITE)).isEqualTo(Errno.NOTCAPABLE);
      assertThat(g.pathCall("path_unlink_file", 4, "l")).isEqualTo(Errno.SUCCESS);
    }
    assertUnchanged();
  }

  /**
   * A memory file system keeps its bytes on the heap and fills a gap with real zeros: without a quota, one
   * 1-byte write at offset 2^40 exhausted the host's heap. The default quota now bounds every memory file
   * system, a tenant's included.
   */
  @Test
  void defaultQuotas_stopAHeapExhaustingSparseWrite() throws IOException {
    try (dev.terrarium.host.PluginHost host = dev.terrarium.host.PluginHost.builder().build();
        MemoryFileSystem plain = MemoryFileSystem.create()) {
      for (MemoryFileSystem target : List.of(plain, host.tenant("t").fileSystem())) {
        try (Guest g = Guest.with(target.root(), false)) {
          int fd = g.open(3, "big", FOLLOW, O_CREAT, ALL_RIGHTS, 0);
          assertThat(g.pwrite(fd, new byte[] {1}, 1L << 40)).isEqualTo(Errno.DQUOT);
          assertThat(g.pwrite(fd, new byte[] {1}, MemoryFileSystem.DEFAULT_MAX_BYTES)).isEqualTo(Errno.DQUOT);
          assertThat(g.pwrite(fd, new byte[] {1}, MemoryFileSystem.DEFAULT_MAX_BYTES - 1)).isEqualTo(Errno.SUCCESS);
          assertThat(target.usedBytes()).isEqualTo(MemoryFileSystem.DEFAULT_MAX_BYTES);
        }
      }
    }
  }

  @Test
  void quotas_holdAgainstSparseWritesAllocationsLinksAndRenames() throws IOException {
    try (Guest g = Guest.with(fs.root(), false)) {
      int fd = g.open(3, "big", FOLLOW, O_CREAT, ALL_RIGHTS, 0);
      assertThat(fd).isGreaterThan(3);
      long before = fs.usedBytes();
      assertThat(g.pwrite(fd, new byte[] {1}, 1L << 40)).isEqualTo(Errno.DQUOT);
      assertThat(g.pwrite(fd, new byte[] {1}, Long.MAX_VALUE)).isIn(Errno.FBIG, Errno.DQUOT);
      assertThat(g.call("fd_allocate", fd, 1L << 30, 1L << 30)).isEqualTo(Errno.DQUOT);
      assertThat(g.call("fd_filestat_set_size", fd, (1L << 20) + 1)).isEqualTo(Errno.DQUOT);
      assertThat(g.call("fd_seek", fd, 1L << 50, 0, 32)).isEqualTo(Errno.SUCCESS);
      assertThat(g.write(fd, new byte[] {1})).isEqualTo(Errno.DQUOT);
      assertThat(fs.usedBytes()).isEqualTo(before);

      // Up to the quota exactly, then no further by any name.
      assertThat(g.call("fd_filestat_set_size", fd, (1L << 20) - before)).isEqualTo(Errno.SUCCESS);
      assertThat(fs.usedBytes()).isEqualTo(1L << 20);
      assertThat(g.link(3, 0, "big", 3, "big2")).isEqualTo(Errno.SUCCESS); // a second name costs no bytes
      assertThat(g.pwrite(fd, new byte[] {1}, 1L << 20)).isEqualTo(Errno.DQUOT);
      // Renaming over the other file frees its bytes, and only its bytes.
      long f = Files.size(fs.path("/f"));
      assertThat(g.rename(3, "big2", 3, "f")).isEqualTo(Errno.SUCCESS);
      assertThat(fs.usedBytes()).isEqualTo((1L << 20) - f);
      assertThat(g.pathCall("path_unlink_file", 3, "big")).isEqualTo(Errno.SUCCESS);
      assertThat(g.pathCall("path_unlink_file", 3, "f")).isEqualTo(Errno.SUCCESS);
      // Unlinked but open: still counted until closed.
      assertThat(fs.usedBytes()).isEqualTo((1L << 20) - f);
      assertThat(g.call("fd_close", fd)).isEqualTo(Errno.SUCCESS);
      assertThat(fs.usedBytes()).isEqualTo(Files.size(fs.path("/d/g")));

      // Entries: links, directories and symbolic links all count.
      long free = fs.maxEntries() - fs.usedEntries();
      for (int i = 0; i < free; i++) {
        assertThat(g.symlink("x".repeat(Wasi.MAX_PATH_BYTES), 3, "l" + i)).isEqualTo(Errno.SUCCESS);
      }
      assertThat(g.symlink("x", 3, "one-more")).isEqualTo(Errno.DQUOT);
      assertThat(g.symlink("x".repeat(Wasi.MAX_PATH_BYTES + 1), 3, "l0")).isEqualTo(Errno.NAMETOOLONG);
      assertThat(g.pathCall("path_create_directory", 3, "one-more")).isEqualTo(Errno.DQUOT);
      assertThat(g.link(3, 0, "d/g", 3, "one-more")).isEqualTo(Errno.DQUOT);
    }
  }

  @Test
  void anOverlayCopyUpPastTheUpperQuota_failsAndLeavesNoPartialCopy() throws IOException {
    Files.write(fs.path("/big"), new byte[900 * 1024]);
    fs.recount();
    try (MemoryFileSystem upper = MemoryFileSystem.builder().maxBytes(64 * 1024).maxEntries(10).build();
        Guest g = Guest.with(Overlay.of(Nodes.readOnly(fs.root()), upper.root()), false)) {
      assertThat(g.openErrno(3, "big", FOLLOW, 0, Rights.FD_WRITE | Rights.FD_READ)).isEqualTo(Errno.DQUOT);
      assertThat(g.openErrno(3, "big", FOLLOW, O_TRUNC, Rights.FD_WRITE)).isEqualTo(Errno.DQUOT);
      assertThat(g.rename(3, "big", 3, "moved")).isEqualTo(Errno.DQUOT);
      assertThat(g.link(3, 0, "big", 3, "linked")).isEqualTo(Errno.DQUOT);
      assertThat(upper.usedBytes()).isZero();
      assertThat(upper.usedEntries()).isZero();
      assertThat(g.openErrno(3, "big", FOLLOW, 0, Rights.FD_READ)).isEqualTo(Errno.SUCCESS);
    }
    assertThat(Files.size(fs.path("/big"))).isEqualTo(900 * 1024);
  }

  @Test
  void twoTenants_neverReachEachOthersFiles() throws IOException {
    try (MemoryFileSystem other = MemoryFileSystem.builder().maxBytes(1 << 20).build();
        Guest g = Guest.with(fs.root(), false)) {
      Files.writeString(other.path("/theirs"), "theirs");
      assertThat(g.symlink("/theirs", 3, "abs")).isEqualTo(Errno.SUCCESS); // any text in a memory file system
      assertThat(g.openErrno(3, "abs", FOLLOW, 0, Rights.FD_READ)).isEqualTo(Errno.NOTCAPABLE);
      String uri = other.path("/theirs").toUri().toString();
      assertThat(g.openErrno(3, uri, FOLLOW, 0, Rights.FD_READ)).isEqualTo(Errno.NOENT);
      assertThat(g.openErrno(3, "../theirs", FOLLOW, 0, Rights.FD_READ)).isEqualTo(Errno.NOTCAPABLE);
    }
  }
}
