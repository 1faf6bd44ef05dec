package dev.terrarium.host;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A host directory that a host grants plugins, seen by the guest at {@code guestPath}.
 *
 * @param guestPath the name the guest sees it pre-opened under, e.g. {@code /data} or {@code .} (see {@link
 *     MountRequest#checkGuestPath})
 * @param hostPath the host directory; must exist
 * @param mode read-only or read-write
 */
public record Mount(String guestPath, Path hostPath, MountMode mode) {
  public Mount {
    MountRequest.checkGuestPath(guestPath);
    Objects.requireNonNull(hostPath, "hostPath");
    Objects.requireNonNull(mode, "mode");
    if (!Files.isDirectory(hostPath)) {
      throw new IllegalArgumentException("mount host path '" + hostPath + "' is not an existing directory");
    }
    hostPath = hostPath.toAbsolutePath().normalize();
  }

  /** Returns a copy with {@code newMode}. */
  public Mount withMode(MountMode newMode) {
    return new Mount(guestPath, hostPath, newMode);
  }
}
