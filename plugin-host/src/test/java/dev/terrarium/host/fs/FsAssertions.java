package dev.terrarium.host.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Helpers shared by the file-system tests. */
final class FsAssertions {
  private FsAssertions() {}

  /** Asserts that {@code call} fails with an {@link FsException} of {@code error}, and nothing else. */
  static FsException assertFails(FsError error, ThrowingCallable call) {
    FsException e = catchThrowableOfType(FsException.class, call);
    assertThat(e).as("expected FsException %s", error).isNotNull();
    assertThat(e.error()).as("error of: %s", e.getMessage()).isEqualTo(error);
    return e;
  }

  static void write(FileNode file, String content) {
    try (OpenFile o = file.open(false, true)) {
      o.truncate(0);
      o.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
    }
  }

  static String read(FileNode file) {
    try (OpenFile o = file.open(true, false)) {
      return readAll(o);
    }
  }

  static String readAll(OpenFile o) {
    StringBuilder sb = new StringBuilder();
    ByteBuffer buf = ByteBuffer.allocate(7); // small, to exercise positions
    long pos = 0;
    while (true) {
      buf.clear();
      int n = o.read(buf, pos);
      if (n < 0) {
        break;
      }
      sb.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
      pos += n;
    }
    return sb.toString();
  }

  static List<String> names(DirectoryNode dir) {
    return dir.entries().stream().map(DirEntry::name).toList();
  }

  static FileNode file(DirectoryNode dir, String name) {
    return (FileNode) dir.lookup(name);
  }

  static DirectoryNode dir(DirectoryNode dir, String name) {
    return (DirectoryNode) dir.lookup(name);
  }
}
