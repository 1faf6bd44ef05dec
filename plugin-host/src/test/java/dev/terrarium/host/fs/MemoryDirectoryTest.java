package dev.terrarium.host.fs;

import org.junit.jupiter.api.AfterEach;

/** The directory contract on a {@link MemoryFileSystem}. */
class MemoryDirectoryTest extends DirectoryContract {
  private MemoryFileSystem fs;

  @Override
  DirectoryNode newRoot() {
    fs = MemoryFileSystem.create();
    return fs.root();
  }

  @AfterEach
  void close() {
    fs.close();
  }
}
