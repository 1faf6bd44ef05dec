package dev.terrarium.host.wasi;

import static dev.terrarium.host.wasi.Guest.ALL_RIGHTS;
import static dev.terrarium.host.wasi.Guest.FOLLOW;
import static dev.terrarium.host.wasi.Guest.O_CREAT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.MountMode;
import dev.terrarium.host.fs.HostDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest with a read-write host directory tries to reach the directory next to it. Descriptor 3 is the mount;
 * {@code outside/secret} lies next to it.
 */
class SandboxEscapeTest {
  @TempDir Path tmp;
  private Path mount;
  private Path outside;
  private Guest g;

  @BeforeEach
  void layout() throws IOException {
    mount = Files.createDirectory(tmp.resolve("mount"));
    outside = Files.createDirectory(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "secret");
    Files.createDirectories(mount.resolve("a/b"));
    Files.writeString(mount.resolve("f"), "inside");
    g = Guest.with(HostDirectory.of(mount, MountMode.READ_WRITE), false);
  }

  @Test
  void dotDot_neverClimbsAboveTheMount() {
    for (String p :
        new String[] {"..", "../outside/secret", "a/../../outside/secret", "./a/b/../../../outside", "a/b/../../.."}) {
      assertThat(g.openErrno(3, p, FOLLOW, 0, ALL_RIGHTS)).as(p).isEqualTo(Errno.NOTCAPABLE);
      assertThat(g.openErrno(3, p, FOLLOW, O_CREAT, ALL_RIGHTS)).as(p).isEqualTo(Errno.NOTCAPABLE);
      assertThat(g.pathCall("path_create_directory", 3, p + "/x")).as(p).isEqualTo(Errno.NOTCAPABLE);
    }
    assertThat(g.rename(3, "a", 3, "../outside/a")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.link(3, 0, "f", 3, "../outside/f")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.openErrno(3, "/etc/passwd", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(outside.toFile().list()).containsExactly("secret");
    assertThat(Files.exists(mount.resolve("a"))).isTrue();
  }

  @Test
  void aDirectoryOpenedInTheMount_isARootOfItsOwn() {
    int a = g.open(3, "a", FOLLOW, Guest.O_DIRECTORY, Rights.DIRECTORY, 0);
    assertThat(a).isGreaterThan(3);
    assertThat(g.openErrno(a, "../f", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.openErrno(a, "b/../../f", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.NOTCAPABLE);
  }

  @Test
  void hostLinksLeadingOut_areNeverFollowed() throws IOException {
    Files.createSymbolicLink(mount.resolve("abs"), outside.resolve("secret"));
    Files.createSymbolicLink(mount.resolve("up"), Path.of("../outside/secret"));
    Files.createSymbolicLink(mount.resolve("updir"), Path.of("../outside"));
    Files.createSymbolicLink(mount.resolve("a/b/deep"), Path.of("../../../outside/secret"));
    Files.createSymbolicLink(mount.resolve("chain"), Path.of("a/b/deep")); // a link to a link leading out
    Files.createSymbolicLink(mount.resolve("dangling"), Path.of("../outside/new")); // O_CREAT through it
    Files.createSymbolicLink(mount.resolve("loop1"), Path.of("loop2"));
    Files.createSymbolicLink(mount.resolve("loop2"), Path.of("loop1"));

    for (String p : new String[] {"abs", "up", "updir/secret", "a/b/deep", "chain", "dangling"}) {
      assertThat(g.openErrno(3, p, FOLLOW, 0, ALL_RIGHTS)).as(p).isEqualTo(Errno.NOTCAPABLE);
      assertThat(g.openErrno(3, p, FOLLOW, O_CREAT, ALL_RIGHTS)).as(p).isEqualTo(Errno.NOTCAPABLE);
      // Not following the last link opens nothing either: a link cannot be opened.
      assertThat(g.openErrno(3, p, 0, O_CREAT, ALL_RIGHTS))
          .as(p)
          .isEqualTo(p.contains("/") && !p.startsWith("a/") ? Errno.NOTCAPABLE : Errno.LOOP);
    }
    // A hard link through a link to outside, or to the target of such a link.
    assertThat(g.link(3, 0, "updir/secret", 3, "stolen")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.link(3, FOLLOW, "up", 3, "stolen")).isEqualTo(Errno.NOTCAPABLE);
    // A hard link of the link itself is the link, still never followed.
    assertThat(g.link(3, 0, "up", 3, "up2")).isEqualTo(Errno.SUCCESS);
    assertThat(g.openErrno(3, "up2", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.NOTCAPABLE);
    // Renaming into or through a link to outside.
    assertThat(g.rename(3, "f", 3, "updir/f")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.rename(3, "a", 3, "updir/a")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.pathCall("path_unlink_file", 3, "updir/secret")).isEqualTo(Errno.NOTCAPABLE);
    assertThat(g.openErrno(3, "loop1", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.LOOP);
    assertThat(g.openErrno(3, "loop1/x", 0, O_CREAT, ALL_RIGHTS)).isEqualTo(Errno.LOOP);
    assertThat(outside.toFile().list()).containsExactly("secret");
  }

  @Test
  void linksTheGuestMakes_cannotLeadOut() {
    assertThat(g.symlink("/etc", 3, "abs")).isNotEqualTo(Errno.SUCCESS);
    assertThat(g.symlink("../outside", 3, "up")).isNotEqualTo(Errno.SUCCESS);
    assertThat(g.symlink("a/b/../../../outside", 3, "up")).isNotEqualTo(Errno.SUCCESS);
    assertThat(g.symlink("../../..", 3, "a/b/up")).isNotEqualTo(Errno.SUCCESS);
    assertThat(g.symlink("../outside/new", 3, "dangling")).isNotEqualTo(Errno.SUCCESS);
    assertThat(mount.resolve("abs")).doesNotExist();
    assertThat(mount.resolve("up")).doesNotExist();
  }

  /**
   * The mount's links are checked lexically when made. A link to a link, or a link moved to a shallower directory,
   * must not get round that: the host (or a later mount of a subdirectory, whose root is resolved through links)
   * would follow it out of the mount.
   */
  @Test
  void linksTheGuestMakes_cannotLeadOutOnceMovedOrChained() throws IOException {
    // Allowed where it sits (a/b/top leads to the mount's root)...
    assertThat(g.symlink("../..", 3, "a/b/top")).isEqualTo(Errno.SUCCESS);
    // ...but "a/b/top/.." is the mount's parent, though lexically it is a/b.
    assertThat(g.symlink("a/b/top/../outside/secret", 3, "chained")).isNotEqualTo(Errno.SUCCESS);
    // Moved up two levels, "../.." would lead two levels above the mount.
    assertThat(g.rename(3, "a/b/top", 3, "moved")).isNotEqualTo(Errno.SUCCESS);
    // A second name in a shallower directory, likewise.
    assertThat(g.link(3, 0, "a/b/top", 3, "linked")).isNotEqualTo(Errno.SUCCESS);
    // And a directory holding it, moved up.
    assertThat(g.rename(3, "a/b", 3, "b")).isNotEqualTo(Errno.SUCCESS);
    assertEveryLinkStaysInside();
    // Moving deeper or sideways stays allowed.
    assertThat(g.pathCall("path_create_directory", 3, "c")).isEqualTo(Errno.SUCCESS);
    assertThat(g.pathCall("path_create_directory", 3, "c/d")).isEqualTo(Errno.SUCCESS);
    assertThat(g.rename(3, "a/b", 3, "c/d/b")).isEqualTo(Errno.SUCCESS);
    assertEveryLinkStaysInside();
  }

  private void assertEveryLinkStaysInside() throws IOException {
    Path root = mount.toRealPath();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isSymbolicLink(p) && Files.exists(p)) {
          assertThat(p.toRealPath()).as(p.toString()).startsWith(root);
        }
      }
    }
  }

  @Test
  void oddPaths_areNamesOrErrors_neverEscapes() throws IOException {
    assertThat(g.openErrno(3, "f\0/../../outside", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.INVAL);
    long[] overlong = g.bytes(new byte[] {'.', (byte) 0xC0, (byte) 0xAE, '/', 'x'}); // ".." as overlong UTF-8
    assertThat(g.call("path_open", 3, 0, overlong[0], overlong[1], 0, ALL_RIGHTS, ALL_RIGHTS, 0, 0))
        .isEqualTo(Errno.ILSEQ);
    // A backslash is part of a name on a POSIX host.
    int fd = g.open(3, "..\\outside", 0, O_CREAT, ALL_RIGHTS, 0);
    assertThat(fd).isPositive();
    assertThat(mount.resolve("..\\outside")).isRegularFile();
    assertThat(g.openErrno(3, "f/", FOLLOW, 0, ALL_RIGHTS)).isEqualTo(Errno.NOTDIR);
    assertThat(g.openErrno(3, "x".repeat(256), 0, O_CREAT, ALL_RIGHTS)).isEqualTo(Errno.NAMETOOLONG);
    assertThat(Files.readString(outside.resolve("secret"), StandardCharsets.UTF_8)).isEqualTo("secret");
    assertThat(Files.isSymbolicLink(mount.resolve("f"))).isFalse();
    assertThat(Files.exists(mount.resolve("f"), LinkOption.NOFOLLOW_LINKS)).isTrue();
  }

  /**
   * A path is read from guest memory and split into components on the host: a guest with a few megabytes of
   * memory must not make the host build millions of strings.
   */
  @Test
  void aHugePath_failsBeforeTheHostSplitsIt() {
    Guest big = Guest.with(64 << 20, java.util.List.of(
        new WasiSetup.Preopen("/m", HostDirectory.of(mount, MountMode.READ_WRITE), false)));
    byte[] path = "a/".repeat(24 << 20).getBytes(StandardCharsets.US_ASCII);
    big.memory.write(1 << 20, path, 0, path.length);
    assertThat(big.call("path_open", 3, 1, 1 << 20, path.length, 0, ALL_RIGHTS, ALL_RIGHTS, 0, 0))
        .isEqualTo(Errno.NAMETOOLONG);
    assertThat(big.call("path_symlink", 1 << 20, path.length, 3, 0, 1)).isEqualTo(Errno.NAMETOOLONG);
  }
}
