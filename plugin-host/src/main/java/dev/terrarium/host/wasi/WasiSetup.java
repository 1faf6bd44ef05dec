package dev.terrarium.host.wasi;

import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.FileNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What one instance's WASI starts with.
 *
 * @param args the arguments, the program name first
 * @param env the environment
 * @param stdin the node behind descriptor 0
 * @param stdout the node behind descriptor 1
 * @param stderr the node behind descriptor 2
 * @param preopens the directories pre-opened from descriptor 3 on, in order
 * @param randomSeed a seed for a deterministic {@code random_get}, or {@code null} for {@code SecureRandom}
 * @param trace receives every WASI call, or {@code null} for no trace
 */
public record WasiSetup(
    List<String> args,
    Map<String, String> env,
    FileNode stdin,
    FileNode stdout,
    FileNode stderr,
    List<Preopen> preopens,
    Long randomSeed,
    Consumer<WasiCall> trace) {
  public WasiSetup {
    args = List.copyOf(args);
    env = Map.copyOf(env);
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    preopens = List.copyOf(preopens);
  }

  /**
   * A directory the guest finds open at start.
   *
   * @param guestPath the name the guest sees, e.g. {@code /data}
   * @param directory what it holds
   * @param readOnly whether the guest gets only the rights to read it
   */
  public record Preopen(String guestPath, DirectoryNode directory, boolean readOnly) {
    public Preopen {
      Objects.requireNonNull(guestPath, "guestPath");
      Objects.requireNonNull(directory, "directory");
    }
  }
}
