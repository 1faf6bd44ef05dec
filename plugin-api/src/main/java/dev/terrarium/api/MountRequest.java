package dev.terrarium.api;

import java.util.Objects;

/**
 * The access a plugin asks for on the host's mount at {@code guestPath}. The host decides which directory, if
 * any, is mounted there; the effective mode is the lower of the host's and this one.
 *
 * @param guestPath an absolute guest path, e.g. {@code /data}
 * @param mode the access asked for; {@code null} means read-only
 */
public record MountRequest(String guestPath, MountMode mode) {
  public MountRequest {
    Objects.requireNonNull(guestPath, "guestPath");
    if (!guestPath.startsWith("/")) {
      throw new IllegalArgumentException("mount guest path must be absolute, was '" + guestPath + "'");
    }
    mode = mode == null ? MountMode.READ_ONLY : mode;
  }
}
