package dev.terrarium.api;

import java.util.Objects;

/**
 * A directory a plugin asks to see at {@code guestPath}, and how. The host decides which host directory, if
 * any, is mounted there.
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
