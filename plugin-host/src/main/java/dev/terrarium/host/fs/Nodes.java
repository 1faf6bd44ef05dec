package dev.terrarium.host.fs;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/** Views of nodes. */
public final class Nodes {
  private Nodes() {}

  /**
   * Returns a read-only view of {@code directory} and everything below it: every change fails with
   * {@link FsError#ROFS}, lookups return read-only views, {@link Node#writable()} is false.
   */
  public static DirectoryNode readOnly(DirectoryNode directory) {
    return (DirectoryNode) readOnly((Node) directory);
  }

  /**
   * Returns a read-only view of {@code node}: a file opens for reading only ({@link FsError#ROFS} when writing is
   * asked), a directory's lookups return read-only views, and nothing can be changed. A node that is already such a
   * view is returned as it is.
   */
  public static Node readOnly(Node node) {
    Objects.requireNonNull(node, "node");
    if (node instanceof ReadOnlyNode) {
      return node;
    }
    if (node instanceof DirectoryNode d) {
      return new ReadOnlyDirectory(d);
    }
    if (node instanceof FileNode f) {
      return new ReadOnlyFile(f);
    }
    if (node instanceof SymlinkNode s) {
      return new ReadOnlySymlink(s);
    }
    throw new IllegalArgumentException("not a directory, file or symbolic link: " + node);
  }

  private abstract static sealed class ReadOnlyNode implements Node
      permits ReadOnlyDirectory, ReadOnlyFile, ReadOnlySymlink {
    abstract Node delegate();

    @Override
    public NodeStat stat() {
      return delegate().stat();
    }

    @Override
    public void setTimes(Long accessTime, Long modifyTime) {
      throw Errors.readOnly();
    }

    @Override
    public boolean writable() {
      return false;
    }

    @Override
    public String toString() {
      return "readOnly(" + delegate() + ")";
    }
  }

  private static final class ReadOnlyDirectory extends ReadOnlyNode implements DirectoryNode {
    private final DirectoryNode d;

    ReadOnlyDirectory(DirectoryNode d) {
      this.d = d;
    }

    @Override
    Node delegate() {
      return d;
    }

    @Override
    public Node lookup(String name) {
      Node node = d.lookup(name);
      return node == null ? null : readOnly(node);
    }

    @Override
    public List<DirEntry> entries() {
      return d.entries();
    }

    @Override
    public FileNode createFile(String name) {
      throw Errors.readOnly();
    }

    @Override
    public DirectoryNode createDirectory(String name) {
      throw Errors.readOnly();
    }

    @Override
    public void createSymlink(String name, String target) {
      throw Errors.readOnly();
    }

    @Override
    public void createLink(String name, Node existing) {
      throw Errors.readOnly();
    }

    @Override
    public void removeFile(String name) {
      throw Errors.readOnly();
    }

    @Override
    public void removeDirectory(String name) {
      throw Errors.readOnly();
    }

    @Override
    public void rename(String name, DirectoryNode targetDirectory, String targetName) {
      throw Errors.readOnly();
    }
  }

  private static final class ReadOnlyFile extends ReadOnlyNode implements FileNode {
    private final FileNode f;

    ReadOnlyFile(FileNode f) {
      this.f = f;
    }

    @Override
    Node delegate() {
      return f;
    }

    @Override
    public OpenFile open(boolean read, boolean write) {
      if (write) {
        throw Errors.readOnly();
      }
      return new ReadOnlyOpenFile(f.open(read, false));
    }

    @Override
    public void truncate(long size) {
      throw Errors.readOnly();
    }
  }

  private static final class ReadOnlySymlink extends ReadOnlyNode implements SymlinkNode {
    private final SymlinkNode s;

    ReadOnlySymlink(SymlinkNode s) {
      this.s = s;
    }

    @Override
    Node delegate() {
      return s;
    }

    @Override
    public String target() {
      return s.target();
    }
  }

  private record ReadOnlyOpenFile(OpenFile o) implements OpenFile {
    @Override
    public boolean seekable() {
      return o.seekable();
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      return o.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) {
      throw Errors.readOnly();
    }

    @Override
    public long size() {
      return o.size();
    }

    @Override
    public void truncate(long size) {
      throw Errors.readOnly();
    }

    @Override
    public void sync() {
      o.sync();
    }

    @Override
    public NodeStat stat() {
      return o.stat();
    }

    @Override
    public void setTimes(Long accessTime, Long modifyTime) {
      throw Errors.readOnly();
    }

    @Override
    public void close() {
      o.close();
    }
  }
}
