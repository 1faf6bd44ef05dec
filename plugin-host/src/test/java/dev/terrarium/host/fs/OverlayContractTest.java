package dev.terrarium.host.fs;

import dev.terrarium.api.MountMode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The directory contract on an {@link Overlay} of a memory file system over an empty read-only host directory. */
class OverlayContractTest extends DirectoryContract {
  @TempDir Path tmp;
  private MemoryFileSystem upper;

  @Override
  DirectoryNode newRoot() {
    upper = MemoryFileSystem.create();
    return Overlay.of(HostDirectory.of(tmp, MountMode.READ_ONLY), upper.root());
  }

  @AfterEach
  void close() {
    upper.close();
  }
}
