package dev.terrarium.host.wasi;

import static dev.terrarium.api.WasmType.I32;
import static dev.terrarium.api.WasmType.I64;

import dev.terrarium.api.WasmType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The WASI functions Terrarium implements, for {@code wasi_snapshot_preview1} and for the older
 * {@code wasi_unstable} (snapshot 0), whose {@code filestat}, {@code whence} and clock subscription layouts
 * differ. The engine binds each to an instance's {@link Wasi}.
 */
public final class WasiFunctions {
  /** The WASI preview 1 import module. */
  public static final String PREVIEW1 = "wasi_snapshot_preview1";

  /** The WASI snapshot 0 import module, still imported by old binaries. */
  public static final String UNSTABLE = "wasi_unstable";

  /** A function body: the arguments in, an errno out. */
  @FunctionalInterface
  interface Body {
    int call(Wasi wasi, WasiMemory memory, long[] a);
  }

  /** One WASI function: its import module and name, its wasm signature, and its body. Immutable. */
  public static final class Function {
    private final String module;
    private final String name;
    private final List<WasmType> params;
    private final List<WasmType> results;
    private final boolean hasResult;
    final Body body;

    Function(String module, String name, List<WasmType> params, List<WasmType> results, Body body) {
      this.module = module;
      this.name = name;
      this.params = List.copyOf(params);
      this.results = List.copyOf(results);
      this.hasResult = !results.isEmpty();
      this.body = body;
    }

    public String module() {
      return module;
    }

    public String name() {
      return name;
    }

    public List<WasmType> params() {
      return params;
    }

    /** One {@code i32} errno, or nothing for {@code proc_exit}. */
    public List<WasmType> results() {
      return results;
    }

    boolean hasResult() {
      return hasResult;
    }

    /** Runs it for {@code wasi} and returns its results. */
    public long[] call(Wasi wasi, WasiMemory memory, long[] args) {
      return wasi.invoke(this, memory, args);
    }

    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  private static final Map<String, Function> PREVIEW1_FUNCTIONS = table(PREVIEW1, false);
  private static final Map<String, Function> UNSTABLE_FUNCTIONS = table(UNSTABLE, true);

  private WasiFunctions() {}

  /** Returns whether {@code module} is a WASI module Terrarium implements. */
  public static boolean isWasi(String module) {
    return PREVIEW1.equals(module) || UNSTABLE.equals(module);
  }

  /** Returns the function, or {@code null} when Terrarium has none of that name in that module. */
  public static Function lookup(String module, String name) {
    return switch (module) {
      case PREVIEW1 -> PREVIEW1_FUNCTIONS.get(name);
      case UNSTABLE -> UNSTABLE_FUNCTIONS.get(name);
      default -> null;
    };
  }

  private static int i(long v) {
    return (int) v;
  }

  private static Map<String, Function> table(String module, boolean unstable) {
    Map<String, Function> t = new LinkedHashMap<>();
    Builder b = new Builder(module, t);
    b.add("args_get", 2, (w, m, a) -> w.argsGet(m, i(a[0]), i(a[1])));
    b.add("args_sizes_get", 2, (w, m, a) -> w.argsSizesGet(m, i(a[0]), i(a[1])));
    b.add("environ_get", 2, (w, m, a) -> w.environGet(m, i(a[0]), i(a[1])));
    b.add("environ_sizes_get", 2, (w, m, a) -> w.environSizesGet(m, i(a[0]), i(a[1])));
    b.add("clock_res_get", 2, (w, m, a) -> w.clockResGet(m, i(a[0]), i(a[1])));
    b.add("clock_time_get", List.of(I32, I64, I32), (w, m, a) -> w.clockTimeGet(m, i(a[0]), a[1], i(a[2])));
    b.add("fd_advise", List.of(I32, I64, I64, I32), (w, m, a) -> w.fdAdvise(i(a[0]), a[1], a[2], i(a[3])));
    b.add("fd_allocate", List.of(I32, I64, I64), (w, m, a) -> w.fdAllocate(i(a[0]), a[1], a[2]));
    b.add("fd_close", 1, (w, m, a) -> w.fdClose(i(a[0])));
    b.add("fd_datasync", 1, (w, m, a) -> w.fdSync(i(a[0]), Rights.FD_DATASYNC));
    b.add("fd_fdstat_get", 2, (w, m, a) -> w.fdFdstatGet(m, i(a[0]), i(a[1])));
    b.add("fd_fdstat_set_flags", 2, (w, m, a) -> w.fdFdstatSetFlags(i(a[0]), i(a[1])));
    b.add(
        "fd_fdstat_set_rights",
        List.of(I32, I64, I64),
        (w, m, a) -> w.fdFdstatSetRights(i(a[0]), a[1], a[2]));
    b.add("fd_filestat_get", 2, (w, m, a) -> w.fdFilestatGet(m, i(a[0]), i(a[1]), unstable));
    b.add("fd_filestat_set_size", List.of(I32, I64), (w, m, a) -> w.fdFilestatSetSize(i(a[0]), a[1]));
    b.add(
        "fd_filestat_set_times",
        List.of(I32, I64, I64, I32),
        (w, m, a) -> w.fdFilestatSetTimes(i(a[0]), a[1], a[2], i(a[3])));
    b.add(
        "fd_pread",
        List.of(I32, I32, I32, I64, I32),
        (w, m, a) -> w.fdPread(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])));
    b.add("fd_prestat_get", 2, (w, m, a) -> w.fdPrestatGet(m, i(a[0]), i(a[1])));
    b.add("fd_prestat_dir_name", 3, (w, m, a) -> w.fdPrestatDirName(m, i(a[0]), i(a[1]), i(a[2])));
    b.add(
        "fd_pwrite",
        List.of(I32, I32, I32, I64, I32),
        (w, m, a) -> w.fdPwrite(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])));
    b.add("fd_read", 4, (w, m, a) -> w.fdRead(m, i(a[0]), i(a[1]), i(a[2]), i(a[3])));
    b.add(
        "fd_readdir",
        List.of(I32, I32, I32, I64, I32),
        (w, m, a) -> w.fdReaddir(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])));
    b.add("fd_renumber", 2, (w, m, a) -> w.fdRenumber(i(a[0]), i(a[1])));
    b.add(
        "fd_seek",
        List.of(I32, I64, I32, I32),
        (w, m, a) -> w.fdSeek(m, i(a[0]), a[1], i(a[2]), i(a[3]), unstable));
    b.add("fd_sync", 1, (w, m, a) -> w.fdSync(i(a[0]), Rights.FD_SYNC));
    b.add("fd_tell", 2, (w, m, a) -> w.fdTell(m, i(a[0]), i(a[1])));
    b.add("fd_write", 4, (w, m, a) -> w.fdWrite(m, i(a[0]), i(a[1]), i(a[2]), i(a[3])));
    b.add("path_create_directory", 3, (w, m, a) -> w.pathCreateDirectory(m, i(a[0]), i(a[1]), i(a[2])));
    b.add(
        "path_filestat_get",
        5,
        (w, m, a) -> w.pathFilestatGet(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), unstable));
    b.add(
        "path_filestat_set_times",
        List.of(I32, I32, I32, I32, I64, I64, I32),
        (w, m, a) -> w.pathFilestatSetTimes(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), a[4], a[5], i(a[6])));
    b.add(
        "path_link",
        7,
        (w, m, a) -> w.pathLink(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]), i(a[6])));
    b.add(
        "path_open",
        List.of(I32, I32, I32, I32, I32, I64, I64, I32, I32),
        (w, m, a) ->
            w.pathOpen(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), a[5], a[6], i(a[7]), i(a[8])));
    b.add(
        "path_readlink",
        6,
        (w, m, a) -> w.pathReadlink(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5])));
    b.add("path_remove_directory", 3, (w, m, a) -> w.pathRemoveDirectory(m, i(a[0]), i(a[1]), i(a[2])));
    b.add(
        "path_rename",
        6,
        (w, m, a) -> w.pathRename(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5])));
    b.add(
        "path_symlink",
        5,
        (w, m, a) -> w.pathSymlink(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4])));
    b.add("path_unlink_file", 3, (w, m, a) -> w.pathUnlinkFile(m, i(a[0]), i(a[1]), i(a[2])));
    b.add("poll_oneoff", 4, (w, m, a) -> w.pollOneoff(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), unstable));
    t.put("proc_exit", new Function(module, "proc_exit", List.of(I32), List.of(), (w, m, a) -> w.procExit(i(a[0]))));
    b.add("proc_raise", 1, (w, m, a) -> w.procRaise(i(a[0])));
    b.add("random_get", 2, (w, m, a) -> w.randomGet(m, i(a[0]), i(a[1])));
    b.add("sched_yield", 0, (w, m, a) -> w.schedYield());
    if (!unstable) {
      b.add("sock_accept", 3, (w, m, a) -> w.sock(i(a[0])));
    }
    b.add("sock_recv", 6, (w, m, a) -> w.sock(i(a[0])));
    b.add("sock_send", 5, (w, m, a) -> w.sock(i(a[0])));
    b.add("sock_shutdown", 2, (w, m, a) -> w.sock(i(a[0])));
    return Map.copyOf(t);
  }

  private record Builder(String module, Map<String, Function> table) {
    void add(String name, int i32Params, Body body) {
      add(name, java.util.Collections.nCopies(i32Params, I32), body);
    }

    void add(String name, List<WasmType> params, Body body) {
      table.put(name, new Function(module, name, List.copyOf(params), List.of(I32), body));
    }
  }
}
