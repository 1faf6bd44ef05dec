package dev.terrarium.host.fs;

import dev.terrarium.api.MountMode;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The directory contract on a read-write {@link HostDirectory}. */
class HostDirectoryContractTest extends DirectoryContract {
  @TempDir Path tmp;

  @Override
  DirectoryNode newRoot() {
    return HostDirectory.of(tmp, MountMode.READ_WRITE);
  }
}
