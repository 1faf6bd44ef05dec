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
 * A fingerprint of this build of Terrarium's host. Compiled modules kept on disk and precompiled plugins are keyed
 * by it as well as by the version, since two builds of one snapshot version may rewrite or compile differently.
 * It is the build's identity that Maven writes into {@code version.properties} (version and build time; every
 * build of plugin-host gets its own, and a jar that bundles the host, such as the CLI's, carries it unchanged).
 * Where the resource was not filtered (classes built outside Maven), it is the SHA-256 of the files of the package
 * {@code dev.terrarium.host} and below, by name, wherever they were loaded from; reading them all takes a few
 * hundred milliseconds of a short process's start, which the build's identity avoids. Computed once, when first
 * needed.
 */
final class BuildFingerprint {
  private static final String PREFIX = "dev/terrarium/host/";

  static final String VALUE = compute();

  private BuildFingerprint() {}

  private static String compute() {
    try (InputStream in = PluginHost.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        String build = p.getProperty("build");
        if (build != null && !build.isBlank() && !build.contains("${")) {
          return build;
        }
      }
    } catch (IOException | RuntimeException e) {
      // hash the classes instead
    }
    return hashOfClasses();
  }

  private static String hashOfClasses() {
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
