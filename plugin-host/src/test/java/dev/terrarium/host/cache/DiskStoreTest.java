package dev.terrarium.host.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authenticated entry store under the persistent cache: only what this installation wrote is ever read. */
class DiskStoreTest {
  @TempDir Path temp;

  private static final String NAME = "00112233445566778899aabbccddeeff";

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void entries_roundTrip_andTheDirectoryAndKeyAreOwnerOnly() throws Exception {
    DiskStore store = DiskStore.open(temp.resolve("cache"), temp.resolve("keys/cache.key"));
    byte[] content = bytes(300_000, 1);
    assertThat(store.get(NAME)).isNull();
    store.put(NAME, content);
    assertThat(store.get(NAME)).isEqualTo(content);
    // a second process (a second store on the same directory and key) reads it too
    assertThat(DiskStore.open(temp.resolve("cache"), temp.resolve("keys/cache.key")).get(NAME)).isEqualTo(content);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("cache"))))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("keys/cache.key"))))
        .isEqualTo("rw-------");
    try (var files = Files.list(temp.resolve("cache"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(NAME + ".entry"); // no temporaries left
    }
  }

  @Test
  void anEntryWrittenByAnotherInstallation_isRefused_andDeleted() {
    DiskStore mine = DiskStore.open(temp.resolve("cache"), temp.resolve("mine.key"));
    DiskStore theirs = DiskStore.open(temp.resolve("cache"), temp.resolve("theirs.key"));
    theirs.put(NAME, bytes(1000, 2));
    assertThat(mine.get(NAME)).isNull();
    assertThat(Files.exists(temp.resolve("cache").resolve(NAME + ".entry"))).isFalse();
    mine.put(NAME, bytes(1000, 3));
    assertThat(mine.get(NAME)).isEqualTo(bytes(1000, 3));
  }

  @Test
  void aChangedOrTruncatedOrForeignFile_isIgnored_andTheStoreCarriesOn() throws Exception {
    DiskStore store = DiskStore.open(temp.resolve("cache"), temp.resolve("cache.key"));
    Path entry = temp.resolve("cache").resolve(NAME + ".entry");
    byte[] content = bytes(5000, 4);

    store.put(NAME, content);
    byte[] onDisk = Files.readAllBytes(entry);
    onDisk[onDisk.length - 1] ^= 1; // one flipped bit of content
    Files.write(entry, onDisk);
    assertThat(store.get(NAME)).isNull();

    store.put(NAME, content);
    byte[] whole = Files.readAllBytes(entry);
    Files.write(entry, java.util.Arrays.copyOf(whole, whole.length - 100)); // truncated
    assertThat(store.get(NAME)).isNull();

    Files.write(entry, java.util.Arrays.copyOf(whole, 10)); // cut inside the header
    assertThat(store.get(NAME)).isNull();

    Files.write(entry, "not a cache entry at all".getBytes()); // anything else
    assertThat(store.get(NAME)).isNull();

    // an authentic entry renamed to another name is not that entry
    String other = "ffeeddccbbaa99887766554433221100";
    store.put(NAME, content);
    Files.copy(entry, temp.resolve("cache").resolve(other + ".entry"));
    assertThat(store.get(other)).isNull();

    assertThat(store.get(NAME)).isEqualTo(content);
  }

  @Test
  void processesWritingTheSameEntryAtOnce_leaveOneWholeEntry() throws Exception {
    Path dir = temp.resolve("cache");
    Path key = temp.resolve("cache.key");
    DiskStore.open(dir, key); // make the key once, as the first process would
    byte[] content = bytes(2_000_000, 5);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> writers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        writers.add(
            pool.submit(
                () -> {
                  DiskStore store = DiskStore.open(dir, key);
                  go.await();
                  for (int n = 0; n < 5; n++) {
                    store.put(NAME, content);
                    byte[] read = store.get(NAME);
                    if (read != null && !java.util.Arrays.equals(read, content)) {
                      throw new AssertionError("read half an entry");
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(DiskStore.open(dir, key).get(NAME)).isEqualTo(content);
    try (var files = Files.list(dir)) {
      assertThat(files.count()).isEqualTo(1);
    }
  }

  @Test
  void aDirectoryOrKeyOthersCanReach_isRefused_andBadNamesAndKeysToo() throws Exception {
    Path open = Files.createDirectory(temp.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThatThrownBy(() -> DiskStore.open(open, temp.resolve("k1")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rwxr-xr-x: others may read or change it; make it owner-only (chmod 700)");

    Path key = temp.resolve("shared.key");
    Files.write(key, bytes(32, 6));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> DiskStore.open(temp.resolve("c2"), key))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("chmod 600");

    Path shortKey = temp.resolve("short.key");
    Files.write(shortKey, bytes(7, 7));
    Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> DiskStore.open(temp.resolve("c3"), shortKey))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds 7 bytes, not 32");

    assertThatThrownBy(() -> DiskStore.open(temp.resolve("c4"), temp.resolve("c4/inside.key")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be kept outside the cache directory");

    DiskStore store = DiskStore.open(temp.resolve("c5"), temp.resolve("k5"));
    for (String bad : List.of("../escape0123456789", "ABCDEF0123456789", "short", "0123456789abcdef/x")) {
      assertThatThrownBy(() -> store.get(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not 16 to 128 lowercase hex digits");
    }
    // the store still works after every refusal
    store.put(NAME, bytes(10, 8));
    assertThat(store.get(NAME)).isEqualTo(bytes(10, 8));
  }
}
