package dev.terrarium.host;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fingerprint of this build of Terrarium's host: the SHA-256 of the jar (or class directory) it was loaded from.
 * Compiled modules kept on disk are keyed by it as well as by the version, since two builds of one snapshot version
 * may rewrite or compile differently. Computed once, when a disk cache first needs it.
 */
final class BuildFingerprint {
  static final String VALUE = compute();

  private BuildFingerprint() {}

  private static String compute() {
    try {
      var source = PluginHost.class.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        return "unknown";
      }
      Path location = Path.of(source.getLocation().toURI());
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      if (Files.isRegularFile(location)) {
        feed(digest, location);
      } else if (Files.isDirectory(location)) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(location)) {
          files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
          digest.update(location.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          digest.update((byte) 0);
          feed(digest, f);
        }
      } else {
        return "unknown";
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
    } catch (IOException | URISyntaxException | NoSuchAlgorithmException | RuntimeException e) {
      return "unknown";
    }
  }

  private static void feed(MessageDigest digest, Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
