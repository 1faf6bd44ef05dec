package dev.terrarium.host.fs;

import static dev.terrarium.host.fs.FsAssertions.assertFails;
import static dev.terrarium.host.fs.FsAssertions.dir;
import static dev.terrarium.host.fs.FsAssertions.file;
import static dev.terrarium.host.fs.FsAssertions.names;
import static dev.terrarium.host.fs.FsAssertions.read;
import static dev.terrarium.host.fs.FsAssertions.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Host-provided files, virtual directories and read-only views. */
class ProvidedFilesTest {

  private static ByteBuffer utf8(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void bytes_isAReadOnlyCopy() {
    byte[] content = "config".getBytes(StandardCharsets.UTF_8);
    FileNode f = ProvidedFiles.bytes(content);
    content[0] = 'X';
    assertThat(read(f)).isEqualTo("config");
    NodeStat s = f.stat();
    assertThat(s.type()).isEqualTo(NodeType.REGULAR_FILE);
    assertThat(s.size()).isEqualTo(6);
    assertThat(f.writable()).isFalse();
    assertFails(FsError.ROFS, () -> f.open(true, true));
    assertFails(FsError.ROFS, () -> f.truncate(0));
    assertFails(FsError.ROFS, () -> f.setTimes(1L, 1L));
    try (OpenFile o = f.open(true, false)) {
      assertThat(o.seekable()).isTrue();
      ByteBuffer two = ByteBuffer.allocate(2);
      assertThat(o.read(two, 4)).isEqualTo(2);
      assertThat(new String(two.array(), StandardCharsets.UTF_8)).isEqualTo("ig");
      assertThat(o.read(ByteBuffer.allocate(2), 6)).isEqualTo(-1);
      assertFails(FsError.BADF, () -> o.write(utf8("x"), 0));
    }
  }

  @Test
  void stream_opensANewStreamEachTime_andClosesIt() {
    AtomicInteger opened = new AtomicInteger();
    AtomicInteger closed = new AtomicInteger();
    FileNode f =
        ProvidedFiles.stream(
            () -> {
              int n = opened.incrementAndGet();
              return new FilterInputStream(new ByteArrayInputStream(("stream " + n).getBytes(StandardCharsets.UTF_8))) {
                @Override
                public void close() throws IOException {
                  closed.incrementAndGet();
                  super.close();
                }
              };
            });
    assertThat(f.stat().type()).isEqualTo(NodeType.CHARACTER_DEVICE);
    try (OpenFile o = f.open(true, false)) {
      assertThat(o.seekable()).isFalse();
      ByteBuffer buf = ByteBuffer.allocate(100);
      assertThat(o.read(buf, 12345)).isEqualTo(8); // positions mean nothing
      assertThat(o.read(ByteBuffer.allocate(10), 0)).isEqualTo(-1);
      assertThat(o.size()).isZero();
    }
    assertThat(read(f)).isEqualTo("stream 2");
    assertThat(closed.get()).isEqualTo(2);
    assertFails(FsError.ROFS, () -> f.open(false, true));
    assertFails(FsError.ROFS, () -> f.truncate(0));
  }

  @Test
  void stream_whoseSupplierFails_isAnIoError() {
    FileNode f = ProvidedFiles.stream(() -> { throw new IllegalStateException("no"); });
    assertFails(FsError.IO, () -> f.open(true, false));
  }

  @Test
  void sink_isWriteOnly_sharedAndNeverClosed() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FileNode f = ProvidedFiles.sink(new FilterOutputStream(out) {
      @Override
      public void close() {
        throw new AssertionError("the sink was closed");
      }
    });
    assertThat(f.writable()).isTrue();
    assertFails(FsError.ACCES, () -> f.open(true, false));
    assertFails(FsError.ACCES, () -> f.open(true, true));
    try (OpenFile a = f.open(false, true);
        OpenFile b = f.open(false, true)) {
      assertThat(a.seekable()).isFalse();
      a.write(utf8("one "), 0);
      b.write(utf8("two"), 0);
      assertFails(FsError.BADF, () -> a.read(ByteBuffer.allocate(1), 0));
      assertFails(FsError.INVAL, () -> a.truncate(0));
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("one two");
    assertFails(FsError.INVAL, () -> f.truncate(0));
  }

  @Test
  void lines_deliversWholeUtf8Lines_andTheRestOnClose() {
    List<String> got = new ArrayList<>();
    FileNode f = ProvidedFiles.lines(got::add);
    try (OpenFile o = f.open(false, true)) {
      o.write(utf8("first li"), 0);
      assertThat(got).isEmpty();
      o.write(utf8("ne\nsecond\r\nthird ünï"), 0);
      assertThat(got).containsExactly("first line", "second");
      byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
      o.write(ByteBuffer.wrap(euro, 0, 1), 0); // a character cut between writes
      o.write(ByteBuffer.wrap(euro, 1, 2), 0);
    }
    assertThat(got).containsExactly("first line", "second", "third ünï€");
  }

  @Test
  void lines_cutsAnOverlongLine_withoutBreakingACharacter() {
    List<String> got = new ArrayList<>();
    FileNode f = ProvidedFiles.lines(got::add);
    String longLine = "é".repeat(ProvidedFiles.MAX_LINE_BYTES); // two bytes each
    try (OpenFile o = f.open(false, true)) {
      o.write(utf8(longLine + "\n"), 0);
    }
    assertThat(got).hasSizeGreaterThan(1);
    assertThat(String.join("", got)).isEqualTo(longLine);
    assertThat(got).allSatisfy(s -> assertThat(s.getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(ProvidedFiles.MAX_LINE_BYTES));
  }

  @Test
  void inputAndOutput_useTheCallersStreams_andLeaveThemOpen() {
    InputStream in = new FilterInputStream(new ByteArrayInputStream("abcdef".getBytes(StandardCharsets.UTF_8))) {
      @Override
      public void close() {
        throw new AssertionError("stdin was closed");
      }
    };
    List<String> flushedWith = new ArrayList<>();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    OutputStream out = new FilterOutputStream(sink) {
      @Override
      public void flush() throws IOException {
        super.flush();
        flushedWith.add(sink.toString(StandardCharsets.UTF_8));
      }

      @Override
      public void close() {
        throw new AssertionError("stdout was closed");
      }
    };
    FileNode stdin = ProvidedFiles.input(in);
    FileNode stdout = ProvidedFiles.output(out);

    try (OpenFile o = stdin.open(true, false)) {
      ByteBuffer three = ByteBuffer.allocate(3);
      assertThat(o.read(three, 0)).isEqualTo(3);
    }
    try (OpenFile o = stdin.open(true, false)) {
      assertThat(readAll(o)).isEqualTo("def"); // the same stream, where the last reader stopped
    }
    try (OpenFile o = stdout.open(false, true)) {
      o.write(utf8("hi"), 0);
      assertThat(flushedWith).containsExactly("hi");
      o.write(utf8("!"), 0);
    }
    assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("hi!");
    assertThat(flushedWith).startsWith("hi", "hi!");
    assertFails(FsError.ACCES, () -> stdout.open(true, false));
    assertFails(FsError.ROFS, () -> stdin.open(false, true));
  }

  @Test
  void virtualDirectory_holdsFixedEntries_andNestedDirectories() {
    FileNode motd = ProvidedFiles.bytes("welcome".getBytes(StandardCharsets.UTF_8));
    FileNode log = ProvidedFiles.lines(s -> {});
    DirectoryNode root =
        VirtualDirectory.builder()
            .add("log", log)
            .add("etc", VirtualDirectory.builder().add("motd", motd).build())
            .build();

    assertThat(root.entries())
        .containsExactly(
            new DirEntry("etc", NodeType.DIRECTORY, root.lookup("etc").stat().inode()),
            new DirEntry("log", NodeType.CHARACTER_DEVICE, log.stat().inode()));
    assertThat(read(file(dir(root, "etc"), "motd"))).isEqualTo("welcome");
    assertThat(root.lookup("missing")).isNull();
    assertThat(root.writable()).isFalse();
    assertThat(root.stat().type()).isEqualTo(NodeType.DIRECTORY);
    assertThat(root.stat().device()).isEqualTo(motd.stat().device());
    assertThat(root.stat().inode()).isNotEqualTo(motd.stat().inode());

    assertFails(FsError.ROFS, () -> root.createFile("x"));
    assertFails(FsError.ROFS, () -> root.createDirectory("x"));
    assertFails(FsError.ROFS, () -> root.createSymlink("x", "log"));
    assertFails(FsError.ROFS, () -> root.createLink("x", log));
    assertFails(FsError.ROFS, () -> root.removeFile("log"));
    assertFails(FsError.ROFS, () -> root.removeDirectory("etc"));
    assertFails(FsError.ROFS, () -> root.rename("log", root, "log2"));
    assertFails(FsError.ROFS, () -> root.setTimes(1L, 1L));
    assertFails(FsError.INVAL, () -> root.lookup(".."));
    assertThat(names(root)).containsExactly("etc", "log");
  }

  @Test
  void virtualDirectoryBuilder_refusesBadAndDuplicateNames() {
    FileNode f = ProvidedFiles.bytes(new byte[0]);
    assertThatThrownBy(() -> VirtualDirectory.builder().add("a/b", f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a/b'");
    assertThatThrownBy(() -> VirtualDirectory.builder().add("..", f)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VirtualDirectory.builder().add("a", f).add("a", f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' was already added");
  }

  @Test
  void readOnlyView_refusesEveryChange_allTheWayDown() {
    try (MemoryFileSystem fs = MemoryFileSystem.create()) {
      DirectoryNode d = fs.root().createDirectory("d");
      FsAssertions.write(d.createFile("f"), "content");
      fs.root().createSymlink("l", "d");
      DirectoryNode view = Nodes.readOnly(fs.root());

      assertThat(Nodes.readOnly(view)).isSameAs(view);
      assertThat(view.writable()).isFalse();
      DirectoryNode vd = dir(view, "d");
      FileNode vf = file(vd, "f");
      Node vl = view.lookup("l");
      assertThat(vd.writable()).isFalse();
      assertThat(vf.writable()).isFalse();
      assertThat(vl.writable()).isFalse();
      assertThat(((SymlinkNode) vl).target()).isEqualTo("d");
      assertThat(read(vf)).isEqualTo("content");
      assertThat(vf.stat()).isEqualTo(d.lookup("f").stat());

      assertFails(FsError.ROFS, () -> view.createFile("x"));
      assertFails(FsError.ROFS, () -> vd.createDirectory("x"));
      assertFails(FsError.ROFS, () -> vd.createSymlink("x", "f"));
      assertFails(FsError.ROFS, () -> vd.createLink("x", vf));
      assertFails(FsError.ROFS, () -> vd.removeFile("f"));
      assertFails(FsError.ROFS, () -> view.removeDirectory("d"));
      assertFails(FsError.ROFS, () -> view.rename("d", view, "e"));
      assertFails(FsError.ROFS, () -> vf.open(true, true));
      assertFails(FsError.ROFS, () -> vf.truncate(0));
      assertFails(FsError.ROFS, () -> vf.setTimes(1L, 1L));
      assertFails(FsError.ROFS, () -> vl.setTimes(1L, 1L));
      try (OpenFile o = vf.open(true, false)) {
        assertFails(FsError.ROFS, () -> o.write(utf8("x"), 0));
        assertFails(FsError.ROFS, () -> o.truncate(0));
        assertFails(FsError.ROFS, () -> o.setTimes(1L, 1L));
      }
      assertThat(read(file(d, "f"))).isEqualTo("content");
      assertThat(fs.usedEntries()).isEqualTo(3);
    }
  }
}
