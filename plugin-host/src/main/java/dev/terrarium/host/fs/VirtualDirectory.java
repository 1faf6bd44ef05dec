package dev.terrarium.host.fs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A read-only directory whose entries the host fixes when building it, to mount {@link ProvidedFiles} or other
 * nodes in a tree. Its own entries cannot change ({@link FsError#ROFS}); the nodes in it keep their own modes (a
 * sink stays writable, a {@link MemoryFileSystem} root placed in it stays a writable directory).
 *
 * <pre>{@code
 * DirectoryNode dev = VirtualDirectory.builder()
 *     .add("log", ProvidedFiles.lines(System.out::println))
 *     .add("etc", VirtualDirectory.builder().add("motd", ProvidedFiles.bytes(motd)).build())
 *     .build();
 * }</pre>
 */
public final class VirtualDirectory implements DirectoryNode {
  private final Map<String, Node> children;
  private final long inode = Devices.newProvidedInode();
  private final long linkCount;
  private final long created = ProvidedFiles.Clock.nanos();

  private VirtualDirectory(Map<String, Node> children) {
    this.children = Collections.unmodifiableMap(new TreeMap<>(children));
    this.linkCount = 2 + children.values().stream().filter(DirectoryNode.class::isInstance).count();
  }

  /** Starts an empty directory. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Node lookup(String name) {
    return children.get(Errors.name(name));
  }

  /** Its entries in name order; each entry's type and inode come from the node's {@link Node#stat()}. */
  @Override
  public List<DirEntry> entries() {
    List<DirEntry> entries = new ArrayList<>(children.size());
    children.forEach(
        (name, node) -> {
          NodeStat stat = node.stat();
          entries.add(new DirEntry(name, stat.type(), stat.inode()));
        });
    return entries;
  }

  @Override
  public FileNode createFile(String name) {
    throw readOnly();
  }

  @Override
  public DirectoryNode createDirectory(String name) {
    throw readOnly();
  }

  @Override
  public void createSymlink(String name, String target) {
    throw readOnly();
  }

  @Override
  public void createLink(String name, Node existing) {
    throw readOnly();
  }

  @Override
  public void removeFile(String name) {
    throw readOnly();
  }

  @Override
  public void removeDirectory(String name) {
    throw readOnly();
  }

  @Override
  public void rename(String name, DirectoryNode targetDirectory, String targetName) {
    throw readOnly();
  }

  private static FsException readOnly() {
    return new FsException(FsError.ROFS, "a virtual directory's entries are fixed");
  }

  @Override
  public NodeStat stat() {
    return new NodeStat(Devices.PROVIDED, inode, NodeType.DIRECTORY, linkCount, 0, created, created, created);
  }

  @Override
  public void setTimes(Long accessTime, Long modifyTime) {
    throw readOnly();
  }

  @Override
  public boolean writable() {
    return false;
  }

  @Override
  public String toString() {
    return "VirtualDirectory" + children.keySet();
  }

  /** Collects the entries of a {@link VirtualDirectory}. */
  public static final class Builder {
    private final Map<String, Node> children = new TreeMap<>();

    private Builder() {}

    /**
     * Adds {@code node} as {@code name}.
     *
     * @throws IllegalArgumentException when {@code name} is not a single path component or is already taken
     */
    public Builder add(String name, Node node) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(node, "node");
      if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
          || name.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "a virtual directory entry's name must be one path component, was '" + name.replace("\0", "\\0") + "'");
      }
      if (children.containsKey(name)) {
        throw new IllegalArgumentException("'" + name + "' was already added as " + children.get(name));
      }
      children.put(name, node);
      return this;
    }

    public VirtualDirectory build() {
      return new VirtualDirectory(children);
    }
  }
}
