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

  /**
   * The functions, each with its name and parameters (every one returns an {@code i32} errno, except {@code
   * proc_exit}). A function's body is its case in {@link #call}: a switch, not a lambda per function, whose
   * bootstrap cost a fresh JVM about 5 ms on the first load of a WASI module (docs/performance.md).
   */
  enum Op {
    ARGS_GET("args_get", List.of(I32, I32)),
    ARGS_SIZES_GET("args_sizes_get", List.of(I32, I32)),
    ENVIRON_GET("environ_get", List.of(I32, I32)),
    ENVIRON_SIZES_GET("environ_sizes_get", List.of(I32, I32)),
    CLOCK_RES_GET("clock_res_get", List.of(I32, I32)),
    CLOCK_TIME_GET("clock_time_get", List.of(I32, I64, I32)),
    FD_ADVISE("fd_advise", List.of(I32, I64, I64, I32)),
    FD_ALLOCATE("fd_allocate", List.of(I32, I64, I64)),
    FD_CLOSE("fd_close", List.of(I32)),
    FD_DATASYNC("fd_datasync", List.of(I32)),
    FD_FDSTAT_GET("fd_fdstat_get", List.of(I32, I32)),
    FD_FDSTAT_SET_FLAGS("fd_fdstat_set_flags", List.of(I32, I32)),
    FD_FDSTAT_SET_RIGHTS("fd_fdstat_set_rights", List.of(I32, I64, I64)),
    FD_FILESTAT_GET("fd_filestat_get", List.of(I32, I32)),
    FD_FILESTAT_SET_SIZE("fd_filestat_set_size", List.of(I32, I64)),
    FD_FILESTAT_SET_TIMES("fd_filestat_set_times", List.of(I32, I64, I64, I32)),
    FD_PREAD("fd_pread", List.of(I32, I32, I32, I64, I32)),
    FD_PRESTAT_GET("fd_prestat_get", List.of(I32, I32)),
    FD_PRESTAT_DIR_NAME("fd_prestat_dir_name", List.of(I32, I32, I32)),
    FD_PWRITE("fd_pwrite", List.of(I32, I32, I32, I64, I32)),
    FD_READ("fd_read", List.of(I32, I32, I32, I32)),
    FD_READDIR("fd_readdir", List.of(I32, I32, I32, I64, I32)),
    FD_RENUMBER("fd_renumber", List.of(I32, I32)),
    FD_SEEK("fd_seek", List.of(I32, I64, I32, I32)),
    FD_SYNC("fd_sync", List.of(I32)),
    FD_TELL("fd_tell", List.of(I32, I32)),
    FD_WRITE("fd_write", List.of(I32, I32, I32, I32)),
    PATH_CREATE_DIRECTORY("path_create_directory", List.of(I32, I32, I32)),
    PATH_FILESTAT_GET("path_filestat_get", List.of(I32, I32, I32, I32, I32)),
    PATH_FILESTAT_SET_TIMES("path_filestat_set_times", List.of(I32, I32, I32, I32, I64, I64, I32)),
    PATH_LINK("path_link", List.of(I32, I32, I32, I32, I32, I32, I32)),
    PATH_OPEN("path_open", List.of(I32, I32, I32, I32, I32, I64, I64, I32, I32)),
    PATH_READLINK("path_readlink", List.of(I32, I32, I32, I32, I32, I32)),
    PATH_REMOVE_DIRECTORY("path_remove_directory", List.of(I32, I32, I32)),
    PATH_RENAME("path_rename", List.of(I32, I32, I32, I32, I32, I32)),
    PATH_SYMLINK("path_symlink", List.of(I32, I32, I32, I32, I32)),
    PATH_UNLINK_FILE("path_unlink_file", List.of(I32, I32, I32)),
    POLL_ONEOFF("poll_oneoff", List.of(I32, I32, I32, I32)),
    PROC_EXIT("proc_exit", List.of(I32)),
    PROC_RAISE("proc_raise", List.of(I32)),
    RANDOM_GET("random_get", List.of(I32, I32)),
    SCHED_YIELD("sched_yield", List.of()),
    SOCK_ACCEPT("sock_accept", List.of(I32, I32, I32)),
    SOCK_RECV("sock_recv", List.of(I32, I32, I32, I32, I32, I32)),
    SOCK_SEND("sock_send", List.of(I32, I32, I32, I32, I32)),
    SOCK_SHUTDOWN("sock_shutdown", List.of(I32, I32));

    final String wasmName;
    final List<WasmType> params;

    Op(String wasmName, List<WasmType> params) {
      this.wasmName = wasmName;
      this.params = params;
    }
  }

  /** One WASI function: its import module and name, its wasm signature, and its body. Immutable. */
  public static final class Function {
    private final String module;
    private final String name;
    private final List<WasmType> params;
    private final List<WasmType> results;
    private final boolean hasResult;
    final Op op;
    /** Whether it is {@code wasi_unstable}'s, whose layouts differ. */
    final boolean unstable;

    Function(String module, Op op, boolean unstable) {
      this.module = module;
      this.name = op.wasmName;
      this.params = op.params;
      this.results = op == Op.PROC_EXIT ? List.of() : List.of(I32);
      this.hasResult = !results.isEmpty();
      this.op = op;
      this.unstable = unstable;
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
    for (Op op : Op.values()) {
      if (!(unstable && op == Op.SOCK_ACCEPT)) { // snapshot 0 has no sock_accept
        t.put(op.wasmName, new Function(module, op, unstable));
      }
    }
    return Map.copyOf(t);
  }

  /** Runs {@code f}'s body for {@code w}; returns its errno. */
  static int call(Function f, Wasi w, WasiMemory m, long[] a) {
    boolean unstable = f.unstable;
    return switch (f.op) {
      case ARGS_GET -> w.argsGet(m, i(a[0]), i(a[1]));
      case ARGS_SIZES_GET -> w.argsSizesGet(m, i(a[0]), i(a[1]));
      case ENVIRON_GET -> w.environGet(m, i(a[0]), i(a[1]));
      case ENVIRON_SIZES_GET -> w.environSizesGet(m, i(a[0]), i(a[1]));
      case CLOCK_RES_GET -> w.clockResGet(m, i(a[0]), i(a[1]));
      case CLOCK_TIME_GET -> w.clockTimeGet(m, i(a[0]), a[1], i(a[2]));
      case FD_ADVISE -> w.fdAdvise(i(a[0]), a[1], a[2], i(a[3]));
      case FD_ALLOCATE -> w.fdAllocate(i(a[0]), a[1], a[2]);
      case FD_CLOSE -> w.fdClose(i(a[0]));
      case FD_DATASYNC -> w.fdSync(i(a[0]), Rights.FD_DATASYNC);
      case FD_FDSTAT_GET -> w.fdFdstatGet(m, i(a[0]), i(a[1]));
      case FD_FDSTAT_SET_FLAGS -> w.fdFdstatSetFlags(i(a[0]), i(a[1]));
      case FD_FDSTAT_SET_RIGHTS -> w.fdFdstatSetRights(i(a[0]), a[1], a[2]);
      case FD_FILESTAT_GET -> w.fdFilestatGet(m, i(a[0]), i(a[1]), unstable);
      case FD_FILESTAT_SET_SIZE -> w.fdFilestatSetSize(i(a[0]), a[1]);
      case FD_FILESTAT_SET_TIMES -> w.fdFilestatSetTimes(i(a[0]), a[1], a[2], i(a[3]));
      case FD_PREAD -> w.fdPread(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4]));
      case FD_PRESTAT_GET -> w.fdPrestatGet(m, i(a[0]), i(a[1]));
      case FD_PRESTAT_DIR_NAME -> w.fdPrestatDirName(m, i(a[0]), i(a[1]), i(a[2]));
      case FD_PWRITE -> w.fdPwrite(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4]));
      case FD_READ -> w.fdRead(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]));
      case FD_READDIR -> w.fdReaddir(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4]));
      case FD_RENUMBER -> w.fdRenumber(i(a[0]), i(a[1]));
      case FD_SEEK -> w.fdSeek(m, i(a[0]), a[1], i(a[2]), i(a[3]), unstable);
      case FD_SYNC -> w.fdSync(i(a[0]), Rights.FD_SYNC);
      case FD_TELL -> w.fdTell(m, i(a[0]), i(a[1]));
      case FD_WRITE -> w.fdWrite(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]));
      case PATH_CREATE_DIRECTORY -> w.pathCreateDirectory(m, i(a[0]), i(a[1]), i(a[2]));
      case PATH_FILESTAT_GET -> w.pathFilestatGet(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), unstable);
      case PATH_FILESTAT_SET_TIMES -> w.pathFilestatSetTimes(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), a[4], a[5], i(a[6]));
      case PATH_LINK -> w.pathLink(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]), i(a[6]));
      case PATH_OPEN -> w.pathOpen(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), a[5], a[6], i(a[7]), i(a[8]));
      case PATH_READLINK -> w.pathReadlink(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]));
      case PATH_REMOVE_DIRECTORY -> w.pathRemoveDirectory(m, i(a[0]), i(a[1]), i(a[2]));
      case PATH_RENAME -> w.pathRename(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5]));
      case PATH_SYMLINK -> w.pathSymlink(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]));
      case PATH_UNLINK_FILE -> w.pathUnlinkFile(m, i(a[0]), i(a[1]), i(a[2]));
      case POLL_ONEOFF -> w.pollOneoff(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), unstable);
      case PROC_EXIT -> w.procExit(i(a[0]));
      case PROC_RAISE -> w.procRaise(i(a[0]));
      case RANDOM_GET -> w.randomGet(m, i(a[0]), i(a[1]));
      case SCHED_YIELD -> w.schedYield();
      case SOCK_ACCEPT -> w.sock(i(a[0]));
      case SOCK_RECV -> w.sock(i(a[0]));
      case SOCK_SEND -> w.sock(i(a[0]));
      case SOCK_SHUTDOWN -> w.sock(i(a[0]));
    };
  }
}
