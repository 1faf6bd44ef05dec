package dev.terrarium.host.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void smoke() {
    try (MemoryFileSystem m = MemoryFileSystem.create()) {
      DirectoryNode root = m.root();
      FileNode f = root.createFile("a");
      try (OpenFile o = f.open(true, true)) {
        o.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
      }
      System.out.println(f.stat());
      System.out.println(root.stat());
      root.createDirectory("d");
      root.createSymlink("l", "/x/y");
      root.createLink("b", f);
      System.out.println(root.entries());
      System.out.println(root.lookup("b").stat());
      root.rename("b", (DirectoryNode) root.lookup("d"), "c");
      System.out.println(((DirectoryNode) root.lookup("d")).entries());
      System.out.println(m);
      f.setTimes(1_000_000_123L, 2_000_000_456L);
      System.out.println(f.stat());
      assertThat(m.usedBytes()).isEqualTo(3);
    }
  }
}
