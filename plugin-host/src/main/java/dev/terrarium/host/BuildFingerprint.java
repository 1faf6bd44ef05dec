package dev.terrarium.host;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A fingerprint of this build of Terrarium's host: the SHA-256 of the files of its package {@code dev.terrarium.host}
 * and below (classes and resources, by name), wherever they were loaded from: the plugin-host jar, a class
 * directory, or a jar that bundles them unchanged (the CLI's). Compiled modules kept on disk and precompiled plugins
 * are keyed by it as well as by the version, since two builds of one snapshot version may rewrite or compile
 * differently. Computed once, when first needed.
 */
final class BuildFingerprint {
  private static final String PREFIX = "dev/terrarium/host/";

  static final String VALUE = compute();

  private BuildFingerprint() {}

  private static String compute() {
    try {
      var source = PluginHost.class.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        return "unknown";
      }
      Path location = Path.of(source.getLocation().toURI());
      Map<String, byte[]> files = new TreeMap<>();
      if (Files.isRegularFile(location)) {
        try (JarFile jar = new JarFile(location.toFile())) {
          for (JarEntry e : java.util.Collections.list(jar.entries())) {
            if (!e.isDirectory() && e.getName().startsWith(PREFIX)) {
              try (InputStream in = jar.getInputStream(e)) {
                files.put(e.getName(), in.readAllBytes());
              }
            }
          }
        }
      } else if (Files.isDirectory(location.resolve(PREFIX))) {
        try (Stream<Path> walk = Files.walk(location.resolve(PREFIX))) {
          for (Path f : walk.filter(Files::isRegularFile).toList()) {
            files.put(location.relativize(f).toString().replace(java.io.File.separatorChar, '/'), Files.readAllBytes(f));
          }
        }
      }
      if (files.isEmpty()) {
        return "unknown";
      }
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (var f : files.entrySet()) {
        digest.update(f.getKey().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(f.getValue());
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    } catch (IOException | URISyntaxException | NoSuchAlgorithmException | RuntimeException e) {
      return "unknown";
    }
  }
}
