package dev.terrarium.api;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a plugin says about itself: who it is, which module it is (optionally pinned by SHA-256), what it asks
 * to use and the limits it asks for. It is read from JSON, either from a file beside the module or from the
 * module's custom section {@code terrarium.manifest}:
 *
 * <pre>{@code
 * {
 *   "id": "sizer", "version": "1.2.0",
 *   "sha256": "9f86d0...",
 *   "capabilities": { "hostModules": ["kv"], "wasi": ["args", "stdio", "files", "exit"],
 *                     "mounts": [ { "guestPath": "/data", "mode": "ro" } ] },
 *   "limits": { "maxMemoryPages": 256, "callTimeout": "PT2S" }
 * }
 * }</pre>
 *
 * @param id a stable identifier: lowercase letters, digits, {@code .}, {@code _} and {@code -}
 * @param version the plugin's version, free form but not blank
 * @param sha256 the module's SHA-256 in hex, or {@code null} to not pin it
 * @param capabilities what the plugin asks to use; {@code null} asks for nothing
 * @param limits the limits the plugin asks for; they can only lower the host's
 */
public record PluginManifest(
    String id, String version, String sha256, Capabilities capabilities, PluginLimits limits) {
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** The name of the custom section that may embed the manifest in the module. */
  public static final String CUSTOM_SECTION = "terrarium.manifest";

  public PluginManifest {
    Objects.requireNonNull(id, "manifest id is missing");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "manifest id '" + id + "' is not valid: use 1-128 lowercase letters, digits, '.', '_' or '-',"
              + " starting with a letter or digit");
    }
    Objects.requireNonNull(version, "manifest version is missing");
    if (version.isBlank()) {
      throw new IllegalArgumentException("manifest version must not be blank");
    }
    if (sha256 != null) {
      sha256 = sha256.toLowerCase(Locale.ROOT);
      if (!SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException(
            "manifest sha256 must be 64 hexadecimal digits, was '" + sha256 + "'");
      }
    }
    capabilities = capabilities == null ? Capabilities.none() : capabilities;
    limits = limits == null ? PluginLimits.none() : limits;
  }

  /** A manifest that names the plugin and asks for nothing. */
  public static PluginManifest of(String id, String version) {
    return new PluginManifest(id, version, null, null, null);
  }

  /**
   * Derives a valid manifest id from a module's file name, for a plugin loaded without a manifest: without {@code
   * .wasm} (or {@code .twasm}, a precompiled plugin's), in lower case, every character other than a letter, digit, {@code .}, {@code _} or {@code -} replaced
   * by {@code -}, prefixed with {@code module-} when it does not start with a letter or digit ({@code module} when
   * nothing is left), and cut to 128 characters.
   */
  public static String idFromFileName(String fileName) {
    Objects.requireNonNull(fileName, "fileName");
    String base =
        fileName.endsWith(".wasm") ? fileName.substring(0, fileName.length() - 5)
            : fileName.endsWith(".twasm") ? fileName.substring(0, fileName.length() - 6) : fileName;
    String id = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    if (id.isEmpty() || !Character.isLetterOrDigit(id.charAt(0))) {
      id = ("module-" + id).replaceAll("-+$", "");
    }
    return id.length() > 128 ? id.substring(0, 128) : id;
  }

  /** Returns a copy that pins the module's SHA-256. */
  public PluginManifest withSha256(String hex) {
    return new PluginManifest(id, version, hex, capabilities, limits);
  }

  /** Returns a copy that asks for {@code newCapabilities}. */
  public PluginManifest withCapabilities(Capabilities newCapabilities) {
    return new PluginManifest(id, version, sha256, newCapabilities, limits);
  }

  /** Returns a copy that asks for {@code newLimits}. */
  public PluginManifest withLimits(PluginLimits newLimits) {
    return new PluginManifest(id, version, sha256, capabilities, newLimits);
  }
}
