package dev.terrarium.host.wasi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.fs.HostDirectory;
import dev.terrarium.host.fs.MemoryFileSystem;
import dev.terrarium.host.fs.Overlay;
import dev.terrarium.host.fs.ProvidedFiles;
import dev.terrarium.host.fs.VirtualDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random calls of every WASI function with hostile arguments, over every kind of mount: each must return an errno.
 * An exception leaving a WASI function would break the instance, and a raw one would reach the embedder.
 */
class WasiFuzzTest {
  private static final String[] SOUP = {"a", "b", "d", "f", "l", "/", "/", ".", "..", "\0", "\\", "é", "\u00ff"};
  private static final long[] EXTREMES = {
    -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0xffff_ffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 1L << 31
  };

  @TempDir Path tmp;

  @Test
  void everyFunction_answersHostileArgumentsWithAnErrno() throws IOException {
    Path host = Files.createDirectory(tmp.resolve("host"));
    Files.writeString(host.resolve("f"), "host file");
    Files.createDirectories(host.resolve("d/d"));
    Files.createSymbolicLink(host.resolve("l"), Path.of("../.."));
    Files.createSymbolicLink(host.resolve("d/l"), Path.of("f"));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    List<String> lines = new ArrayList<>();
    try (MemoryFileSystem mem = MemoryFileSystem.builder().maxBytes(256 * 1024).maxEntries(200).build();
        MemoryFileSystem upper = MemoryFileSystem.builder().maxBytes(64 * 1024).maxEntries(50).build()) {
      Files.writeString(mem.path("/f"), "memory file");
      mem.recount();
      List<WasiSetup.Preopen> preopens =
          List.of(
              new WasiSetup.Preopen("/host", HostDirectory.of(host, MountMode.READ_ONLY), true),
              new WasiSetup.Preopen("/mem", mem.root(), false),
              new WasiSetup.Preopen("/ovl", Overlay.of(HostDirectory.of(host, MountMode.READ_ONLY), upper.root()),
                  false),
              new WasiSetup.Preopen(
                  "/v",
                  VirtualDirectory.builder()
                      .add("f", ProvidedFiles.bytes("provided".getBytes(StandardCharsets.UTF_8)))
                      .add("sink", ProvidedFiles.sink(sink))
                      .add("log", ProvidedFiles.lines(lines::add))
                      .add("mem", mem.root())
                      .build(),
                  false));
      SplittableRandom random = new SplittableRandom(42);
      List<WasiFunctions.Function> functions = new ArrayList<>();
      for (String name : NAMES) {
        functions.add(WasiFunctions.lookup(WasiFunctions.PREVIEW1, name));
        functions.add(WasiFunctions.lookup(WasiFunctions.UNSTABLE, name));
      }
      functions.removeIf(f -> f == null);
      for (int round = 0; round < 100; round++) {
        try (Guest g = Guest.with(256 * 1024, preopens)) {
          // Files open in every mount, so that descriptor functions reach real files, streams and directories.
          for (String path : new String[] {"f", "d", "mem/f", "sink", "log"}) {
            for (int mount = 3; mount <= 6; mount++) {
              g.open(mount, path, 1, random.nextInt(16), random.nextLong(), 0);
            }
          }
          soup(g.memory, random);
          for (int call = 0; call < 1_000; call++) {
            WasiFunctions.Function f = functions.get(random.nextInt(functions.size()));
            long[] args = new long[f.params().size()];
            for (int i = 0; i < args.length; i++) {
              args[i] = argument(random, f.params().get(i), g.memory);
            }
            if (args.length > 0 && random.nextBoolean()) {
              args[0] = 3 + random.nextInt(12); // a mount or a descriptor opened from one
            }
            for (int k = 0; k < 2 && args.length > 2; k++) {
              int i = 1 + random.nextInt(args.length - 2);
              if (f.params().get(i) == WasmType.I32 && f.params().get(i + 1) == WasmType.I32) {
                int[] path = PATH_AT[random.nextInt(PATHS.length)];
                args[i] = path[0];
                args[i + 1] = path[1];
              }
            }
            long[] result;
            try {
              result = f.call(g.wasi, g.memory, args);
            } catch (RuntimeException e) {
              throw new AssertionError(f + java.util.Arrays.toString(args) + " threw " + e, e);
            }
            if (Errno.of((int) result[0]) == null) {
              fail(f + java.util.Arrays.toString(args) + " returned " + result[0]);
            }
            if (random.nextInt(200) == 0) {
              soup(g.memory, random);
            }
          }
        }
      }
      assertThat(mem.usedBytes()).isLessThanOrEqualTo(mem.maxBytes());
      assertThat(upper.usedBytes()).isLessThanOrEqualTo(upper.maxBytes());
    }
    try (var all = Files.walk(tmp)) {
      assertThat(all.filter(p -> !p.startsWith(host))).containsExactly(tmp);
    }
  }

  /** Every function but proc_exit (which ends the call) and poll_oneoff (whose clocks may sleep for long). */
  private static final String[] NAMES = {
    "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
    "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
    "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
    "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
    "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
    "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
    "path_unlink_file", "proc_raise", "random_get", "sched_yield", "sock_accept", "sock_recv", "sock_send",
    "sock_shutdown"
  };

  /** Paths that name something in the mounts, or nearly; the soup's first bytes hold them. */
  private static final String[] PATHS = {
    "f", "d", "d/d", "l", "d/l", "new", "new/", "x/y", "..", ".", "f/", "d/../f", "sink", "log", "mem/f", "mem",
    "mem/new", "d/d/..", "l/f", "a", "a/b", "../mem/f", "mem/../f"
  };

  private static final int[][] PATH_AT = new int[PATHS.length][];

  static {
    int at = 0;
    for (int i = 0; i < PATHS.length; i++) {
      int n = PATHS[i].getBytes(StandardCharsets.UTF_8).length;
      PATH_AT[i] = new int[] {at, n};
      at += n;
    }
  }

  /** Fills memory with path fragments and plausible iovecs, so that calls get far. */
  private static void soup(Guest.Memory m, SplittableRandom random) {
    StringBuilder b = new StringBuilder(String.join("", PATHS));
    while (b.length() < 8 * 1024) {
      b.append(SOUP[random.nextInt(SOUP.length)]);
    }
    byte[] text = b.toString().getBytes(StandardCharsets.UTF_8);
    m.write(0, text, 0, Math.min(text.length, 8 * 1024));
    for (int at = 8 * 1024; at < 16 * 1024; at += 8) {
      m.writeInt(at, 16 * 1024 + random.nextInt(200 * 1024));
      m.writeInt(at + 4, random.nextInt(10) == 0 ? (int) EXTREMES[random.nextInt(EXTREMES.length)] : random.nextInt(300));
    }
  }

  private static long argument(SplittableRandom random, WasmType type, Guest.Memory m) {
    int kind = random.nextInt(10);
    long v;
    if (kind < 4) {
      v = random.nextInt(12); // descriptors, flags, small lengths
    } else if (kind < 6) {
      v = random.nextInt(8 * 1024); // into the path soup
    } else if (kind < 8) {
      v = 8 * 1024 + 8 * random.nextInt(1024); // iovecs
    } else if (kind < 9) {
      v = random.nextLong(m.size() + 16);
    } else {
      v = EXTREMES[random.nextInt(EXTREMES.length)];
    }
    return type == WasmType.I32 ? (int) v : v;
  }
}
