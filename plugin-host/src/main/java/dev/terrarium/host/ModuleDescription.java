package dev.terrarium.host;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a module is, as read from its bytes: its hash, imports, exports, memory and embedded manifest.
 *
 * @param sha256 the SHA-256 of the module's bytes, in lowercase hex
 * @param size the module's size in bytes
 * @param imports the imports, in module order
 * @param exports the exports, in module order
 * @param initialMemoryPages the initial pages of the module's memory, or 0 when it defines none
 * @param maximumMemoryPages the declared maximum pages of its memory, or empty when unbounded or absent
 * @param embeddedManifest the raw JSON of the {@code terrarium.manifest} custom section, if any
 */
public record ModuleDescription(
    String sha256,
    long size,
    List<ImportDescription> imports,
    List<ExportDescription> exports,
    int initialMemoryPages,
    Optional<Integer> maximumMemoryPages,
    Optional<String> embeddedManifest) {
  public ModuleDescription {
    Objects.requireNonNull(sha256, "sha256");
    imports = List.copyOf(imports);
    exports = List.copyOf(exports);
    Objects.requireNonNull(maximumMemoryPages, "maximumMemoryPages");
    Objects.requireNonNull(embeddedManifest, "embeddedManifest");
  }

  /** Returns the export with this name, if any. */
  public Optional<ExportDescription> export(String name) {
    return exports.stream().filter(e -> e.name().equals(name)).findFirst();
  }
}
