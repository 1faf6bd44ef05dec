package dev.terrarium.api;

import java.util.Objects;

/**
 * One import that the effective capabilities do not allow.
 *
 * @param module the import's module name, e.g. {@code wasi_snapshot_preview1}
 * @param name the import's field name, e.g. {@code sock_accept}
 * @param kind what is imported: {@code function}, {@code memory}, {@code table}, {@code global} or {@code tag}
 * @param remedy what would allow it, e.g. {@code grant WASI capability "files" and request it in the manifest},
 *     or why nothing can
 */
public record DeniedImport(String module, String name, String kind, String remedy) {
  public DeniedImport {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(remedy, "remedy");
  }

  @Override
  public String toString() {
    return kind + " " + module + "." + name + " (" + remedy + ")";
  }
}
