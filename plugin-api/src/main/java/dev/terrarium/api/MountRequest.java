package dev.terrarium.api;

import java.util.Objects;

/**
 * The access a plugin asks for on the host's mount at {@code guestPath}. The host decides which directory, if
 * any, is mounted there; the effective mode is the lower of the host's and this one.
 *
 * @param guestPath the pre-opened name, e.g. {@code /data} or {@code .} (see {@link #checkGuestPath})
 * @param mode the access asked for; {@code null} means read-only
 */
public record MountRequest(String guestPath, MountMode mode) {
  /** The longest guest path, in UTF-8 bytes: the longest path the host's WASI resolves. */
  public static final int MAX_GUEST_PATH_BYTES = 4096;

  public MountRequest {
    checkGuestPath(guestPath);
    mode = mode == null ? MountMode.READ_ONLY : mode;
  }

  /**
   * Checks the name a directory is pre-opened under. WASI gives a pre-opened directory any name, and guests
   * resolve their paths against these names: absolute ones such as {@code /data}, and relative ones such as
   * {@code .} (the working directory, as other runtimes pre-open it) or {@code data}. A name must not be empty,
   * contain NUL or be longer than {@value #MAX_GUEST_PATH_BYTES} bytes in UTF-8.
   *
   * @return {@code guestPath}
   * @throws IllegalArgumentException naming what is wrong
   */
  public static String checkGuestPath(String guestPath) {
    Objects.requireNonNull(guestPath, "guestPath");
    if (guestPath.isEmpty()) {
      throw new IllegalArgumentException(
          "mount guest path must not be empty; use '.' for the working directory or an absolute path such as /data");
    }
    if (guestPath.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("mount guest path must not contain NUL, was '" + guestPath.replace("\0", "\\0") + "'");
    }
    int bytes = guestPath.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_GUEST_PATH_BYTES) {
      throw new IllegalArgumentException(
          "mount guest path must be at most " + MAX_GUEST_PATH_BYTES + " bytes in UTF-8, was " + bytes);
    }
    return guestPath;
  }
}
