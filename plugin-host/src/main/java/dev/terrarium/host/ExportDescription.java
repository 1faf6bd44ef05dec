package dev.terrarium.host;

import java.util.Objects;

/**
 * One export of a module.
 *
 * @param name the export name
 * @param kind {@code function}, {@code memory}, {@code table}, {@code global} or {@code tag}
 * @param signature for a function, its signature, e.g. {@code (i32, i32) -> (i32)}; otherwise empty
 */
public record ExportDescription(String name, String kind, String signature) {
  public ExportDescription {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(signature, "signature");
  }

  @Override
  public String toString() {
    return kind + " " + name + (signature.isEmpty() ? "" : " " + signature);
  }
}
