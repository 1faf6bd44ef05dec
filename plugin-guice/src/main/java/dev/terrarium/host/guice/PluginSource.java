package dev.terrarium.host.guice;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A plugin for {@link TerrariumModule} to load when the injector is created: a module file (with its manifest beside
 * it or embedded) or a module's bytes (with an embedded manifest), whose manifest must give it {@code id}.
 *
 * @param id the id the plugin is injected by ({@link PluginId}) and its manifest must give
 * @param file the module file, or {@code null} when {@code bytes} are given
 * @param bytes the module, or {@code null} when {@code file} is given
 */
record PluginSource(String id, Path file, byte[] bytes) {
  PluginSource {
    Objects.requireNonNull(id, "plugin id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("plugin id must not be blank");
    }
    if ((file == null) == (bytes == null)) {
      throw new IllegalArgumentException("give a plugin either a file or bytes");
    }
  }

  @Override
  public String toString() {
    return "plugin '" + id + "' from " + (file != null ? file.toString() : bytes.length + " bytes");
  }
}
