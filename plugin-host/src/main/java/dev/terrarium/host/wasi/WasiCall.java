package dev.terrarium.host.wasi;

import java.util.Arrays;

/**
 * One WASI call in an instance's trace.
 *
 * @param module the import module ({@code wasi_snapshot_preview1} or {@code wasi_unstable})
 * @param function the function, e.g. {@code fd_write}
 * @param args its raw arguments
 * @param errno what it returned ({@code null} for {@code proc_exit}, which does not return)
 * @param nanos how long it took
 */
public record WasiCall(String module, String function, long[] args, Errno errno, long nanos) {
  public WasiCall {
    args = args.clone();
  }

  @Override
  public long[] args() {
    return args.clone();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(function).append('(');
    for (int i = 0; i < args.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(args[i]);
    }
    sb.append(") -> ").append(errno == null ? "exit" : errno.name());
    sb.append(" [").append(nanos / 1000).append('.').append(String.format("%03d", nanos % 1000)).append(" us]");
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WasiCall c
        && module.equals(c.module)
        && function.equals(c.function)
        && Arrays.equals(args, c.args)
        && errno == c.errno
        && nanos == c.nanos;
  }

  @Override
  public int hashCode() {
    return (module.hashCode() * 31 + function.hashCode()) * 31 + Arrays.hashCode(args);
  }
}
