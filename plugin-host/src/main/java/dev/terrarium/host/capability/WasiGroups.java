package dev.terrarium.host.capability;

import dev.terrarium.api.WasiCapability;
import java.util.HashMap;
import java.util.Map;

/**
 * Which capability group each WASI function belongs to; the same for {@code wasi_snapshot_preview1} and
 * {@code wasi_unstable} (which functions each module has is {@link dev.terrarium.host.wasi.WasiFunctions}'s).
 */
public final class WasiGroups {

  private static final Map<String, WasiCapability> GROUPS = new HashMap<>();

  static {
    put(WasiCapability.ARGS, "args_get", "args_sizes_get");
    put(WasiCapability.ENV, "environ_get", "environ_sizes_get");
    put(WasiCapability.CLOCKS, "clock_res_get", "clock_time_get");
    put(WasiCapability.RANDOM, "random_get");
    put(WasiCapability.POLL, "poll_oneoff");
    put(WasiCapability.EXIT, "proc_exit", "proc_raise", "sched_yield");
    put(
        WasiCapability.STDIO,
        "fd_read",
        "fd_write",
        "fd_close",
        "fd_fdstat_get",
        "fd_fdstat_set_flags",
        "fd_seek",
        "fd_tell",
        "fd_sync",
        "fd_datasync",
        "fd_filestat_get",
        // Sockets link with stdio: they act only on descriptors the host hands over, and Terrarium never
        // hands over a socket, so every call returns ENOTSOCK or EBADF.
        "sock_accept",
        "sock_recv",
        "sock_send",
        "sock_shutdown");
    put(
        WasiCapability.FILES,
        "fd_prestat_get",
        "fd_prestat_dir_name",
        "fd_readdir",
        "fd_pread",
        "fd_pwrite",
        "fd_advise",
        "fd_allocate",
        "fd_renumber",
        "fd_fdstat_set_rights",
        "fd_filestat_set_size",
        "fd_filestat_set_times",
        "path_create_directory",
        "path_filestat_get",
        "path_filestat_set_times",
        "path_link",
        "path_open",
        "path_readlink",
        "path_remove_directory",
        "path_rename",
        "path_symlink",
        "path_unlink_file");
  }

  private WasiGroups() {}

  private static void put(WasiCapability group, String... names) {
    for (String n : names) {
      GROUPS.put(n, group);
    }
  }

  /** Returns the group of a WASI preview 1 function, or {@code null} when it belongs to none. */
  public static WasiCapability groupOf(String function) {
    return GROUPS.get(function);
  }
}
