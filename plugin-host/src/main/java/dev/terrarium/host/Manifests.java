package dev.terrarium.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.terrarium.api.ManifestException;
import dev.terrarium.api.PluginManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes plugin manifests as JSON. Unknown fields are errors, so that a typo in a limit is not
 * silently ignored. Durations are ISO-8601 ({@code "PT2S"}).
 */
public final class Manifests {
  /** Writes manifests; made on first use ({@link ManifestReader} reads them without a mapper). */
  private static final class Writer {
    static final ObjectMapper MAPPER =
        JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .build();
  }

  private Manifests() {}

  /**
   * Parses a manifest.
   *
   * @param json the JSON text
   * @param source where it came from, for messages (a file name, or "the module's custom section")
   * @throws ManifestException saying what is wrong and where
   */
  public static PluginManifest parse(String json, String source) {
    return parse(json, source, null);
  }

  /**
   * Parses a manifest; a failure names {@code pluginId} as the plugin (the id the module would have without
   * this manifest), or none when it is {@code null}.
   */
  static PluginManifest parse(String json, String source, String pluginId) {
    PluginManifest m;
    try {
      m = ManifestReader.read(json);
    } catch (ManifestReader.Problem e) {
      String message =
          e.json
              ? "is not JSON: " + e.getMessage() + "."
              : "is not valid: " + e.getMessage()
                  + (e.unknownField ? ". " + ManifestReader.EXPECTED_FIELDS + "." : ". Fix the manifest.");
      throw new ManifestException(pluginId, "the manifest in " + source + " " + message, e);
    }
    if (m == null) {
      throw new ManifestException(pluginId, "the manifest in " + source + " is empty (null).", null);
    }
    return m;
  }

  /** Reads a manifest file. */
  public static PluginManifest read(Path file) {
    return read(file, null);
  }

  /** Reads a manifest file; a failure names {@code pluginId} as the plugin (see {@link #parse(String, String, String)}). */
  static PluginManifest read(Path file, String pluginId) {
    String json;
    try {
      json = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ManifestException(pluginId, "the manifest file " + file + " does not exist.", e);
    } catch (IOException e) {
      throw new ManifestException(pluginId, "the manifest file " + file + " could not be read: " + e + ".", e);
    }
    return parse(json, file.toString(), pluginId);
  }

  /** Writes a manifest as JSON. */
  public static String toJson(PluginManifest manifest) {
    try {
      return Writer.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write manifest " + manifest, e);
    }
  }
}
