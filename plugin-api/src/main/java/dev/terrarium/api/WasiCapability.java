package dev.terrarium.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * Groups of WASI preview 1 functions that a host can grant and a manifest can request. A module that imports a
 * WASI function whose group is not in the effective set fails to load. The socket functions belong to
 * {@code stdio}: they act only on descriptors the host hands over, and Terrarium hands over no socket, so they
 * always fail with an errno.
 */
public enum WasiCapability {
  /** {@code args_get}, {@code args_sizes_get}. */
  @JsonProperty("args")
  ARGS,
  /** {@code environ_get}, {@code environ_sizes_get}. */
  @JsonProperty("env")
  ENV,
  /**
   * Reading and writing already-open descriptors: stdin, stdout, stderr ({@code fd_read}, {@code fd_write}, ...),
   * and the socket functions, which always fail.
   */
  @JsonProperty("stdio")
  STDIO,
  /** {@code clock_time_get}, {@code clock_res_get}. */
  @JsonProperty("clocks")
  CLOCKS,
  /** {@code random_get}. */
  @JsonProperty("random")
  RANDOM,
  /** {@code poll_oneoff}. */
  @JsonProperty("poll")
  POLL,
  /** Paths and directories ({@code path_open}, {@code fd_readdir}, preopens, ...), within the granted mounts. */
  @JsonProperty("files")
  FILES,
  /** {@code proc_exit}, {@code proc_raise}, {@code sched_yield}. */
  @JsonProperty("exit")
  EXIT;

  /** Returns the name used in manifests and on the command line, e.g. {@code stdio}. */
  public String manifestName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the capability with the given manifest name.
   *
   * @throws IllegalArgumentException naming the valid names when there is none
   */
  public static WasiCapability fromManifestName(String name) {
    for (WasiCapability c : values()) {
      if (c.manifestName().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown WASI capability '" + name + "'; expected one of args, env, stdio, clocks, random, poll, files, exit");
  }
}
