package dev.terrarium.host.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A confined directory on a host whose paths have a second separator (Windows, played by Jimfs): a name the WASI
 * layer passes as one component must never become several there.
 */
class ForeignSeparatorTest {
  @Test
  void backslashNames_neverLeadOutOfAWindowsMount() throws IOException {
    try (FileSystem windows = Jimfs.newFileSystem(Configuration.windows())) {
      Path root = Files.createDirectories(windows.getPath("C:\\work\\mount"));
      Files.writeString(windows.getPath("C:\\work\\secret"), "secret");
      Files.createDirectory(root.resolve("d"));
      DirectoryNode mount = new PathFs(root.toRealPath(), false, true, null, null).rootDirectory();

      for (String name : new String[] {"..\\secret", "d\\..\\..\\secret", "C:\\work\\secret", "C:secret"}) {
        assertThatThrownBy(() -> mount.lookup(name)).as(name).isInstanceOf(FsException.class);
        assertThatThrownBy(() -> mount.createFile(name)).as(name).isInstanceOf(FsException.class);
      }
      FileNode f = mount.createFile("f");
      assertThatThrownBy(() -> mount.rename("f", mount, "..\\stolen")).isInstanceOf(FsException.class);
      assertThat(f.stat().type()).isEqualTo(NodeType.REGULAR_FILE);
      assertThat(Files.exists(windows.getPath("C:\\work\\stolen"))).isFalse();
      assertThat(Files.readString(windows.getPath("C:\\work\\secret"))).isEqualTo("secret");
    }
  }
}
