package dev.terrarium.host;

import dev.terrarium.api.MountMode;
import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.FileNode;
import dev.terrarium.host.wasi.OpenDescriptor;
import dev.terrarium.host.wasi.Wasi;
import java.util.List;
import java.util.Objects;

/**
 * The host's hold on an instance's WASI descriptors: open host-provided files or directories in the guest
 * (before {@code _start}, say, then pass the number as an argument), put another file behind a descriptor while
 * the instance lives (redirect stdout), and list what the guest has open. Like its instance, not thread-safe:
 * do not use it while a call runs.
 */
public final class WasiDescriptors {
  private final Wasi wasi;

  WasiDescriptors(Wasi wasi) {
    this.wasi = wasi;
  }

  /**
   * Opens {@code file} at the lowest free descriptor and returns its number.
   *
   * @param name how {@link #list()} names it
   * @param read whether the guest may read it
   * @param write whether the guest may write it
   */
  public int open(String name, FileNode file, boolean read, boolean write) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    if (!read && !write) {
      throw new IllegalArgumentException("open '" + name + "' for reading, writing or both");
    }
    return wasi.open(name, file, read, write);
  }

  /**
   * Pre-opens {@code directory} at the lowest free descriptor under the name {@code guestPath}, as if mounted
   * there, and returns its number. wasi-libc finds pre-opened directories when the program starts, so do this
   * before {@link PluginInstance#run()}.
   */
  public int openDirectory(String guestPath, DirectoryNode directory, MountMode mode) {
    Objects.requireNonNull(guestPath, "guestPath");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(mode, "mode");
    return wasi.preopen(guestPath, directory, mode == MountMode.READ_ONLY);
  }

  /**
   * Puts {@code file} behind descriptor {@code fd}, closing what was there; the descriptor keeps its rights.
   *
   * @throws IllegalArgumentException when {@code fd} is not an open file
   */
  public void replace(int fd, FileNode file) {
    wasi.replace(fd, Objects.requireNonNull(file, "file"));
  }

  /** Lists the open descriptors, lowest first. */
  public List<OpenDescriptor> list() {
    return wasi.descriptors();
  }
}
