package dev.terrarium.cli;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A {@code --dir HOST::GUEST[:ro|:rw]} option: the existing host directory {@code HOST} is pre-opened for the guest
 * under the name {@code GUEST} (an absolute path such as {@code /data}, or a relative one such as {@code .}, the
 * working directory), read-write unless {@code :ro} follows. The last {@code ::} separates the two, so a
 * host path may itself contain {@code ::}.
 *
 * @param hostPath the host directory, made absolute
 * @param guestPath where the guest sees it, e.g. {@code /data}
 * @param mode read-only or read-write
 */
record DirMapping(Path hostPath, String guestPath, MountMode mode) {
  static final String SEPARATOR = "::";

  /** Converts option values, naming what is wrong. */
  static final class Converter implements ITypeConverter<DirMapping> {
    @Override
    public DirMapping convert(String value) {
      return parse(value);
    }
  }

  static DirMapping parse(String value) {
    int at = value.lastIndexOf(SEPARATOR);
    if (at < 0) {
      throw new TypeConversionException(
          "'" + value + "' is not HOST::GUEST; map a host directory to a guest path, e.g. --dir ./data::/data");
    }
    String host = value.substring(0, at);
    String guest = value.substring(at + SEPARATOR.length());
    MountMode mode = MountMode.READ_WRITE;
    if (guest.endsWith(":ro")) {
      mode = MountMode.READ_ONLY;
      guest = guest.substring(0, guest.length() - 3);
    } else if (guest.endsWith(":rw")) {
      guest = guest.substring(0, guest.length() - 3);
    }
    if (host.isEmpty()) {
      throw new TypeConversionException("'" + value + "' names no host directory before '::'");
    }
    try {
      MountRequest.checkGuestPath(guest);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(
          "'" + value + "': " + e.getMessage() + ", e.g. --dir " + host + "::/data or --dir " + host + "::.");
    }
    Path hostPath;
    try {
      hostPath = Path.of(host);
    } catch (InvalidPathException e) {
      throw new TypeConversionException("'" + value + "': '" + host + "' is not a valid host path: " + e.getReason());
    }
    if (!Files.isDirectory(hostPath)) {
      throw new TypeConversionException(
          "'" + value + "': the host directory '" + host + "' does not exist or is not a directory");
    }
    return new DirMapping(hostPath.toAbsolutePath().normalize(), guest, mode);
  }

  @Override
  public String toString() {
    return hostPath + SEPARATOR + guestPath + (mode == MountMode.READ_ONLY ? ":ro" : ":rw");
  }
}
