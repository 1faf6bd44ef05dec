package dev.terrarium.host.fs;

import java.util.List;

/**
 * A directory. Names are single path components: never empty, never {@code .} or {@code ..}, never containing
 * {@code /} or NUL (the WASI layer splits and checks paths before calling). Nothing here follows a symbolic link.
 */
public interface DirectoryNode extends Node {
  /** Returns the node named {@code name}, or {@code null} when there is none. */
  Node lookup(String name);

  /** Returns its entries, without {@code .} and {@code ..}, in a stable order. */
  List<DirEntry> entries();

  /**
   * Creates an empty regular file.
   *
   * @throws FsException {@link FsError#EXIST}, {@link FsError#ROFS}, {@link FsError#DQUOT} past an entry quota
   */
  FileNode createFile(String name);

  /** Creates an empty directory; errors as {@link #createFile}. */
  DirectoryNode createDirectory(String name);

  /** Creates a symbolic link whose text is {@code target}; errors as {@link #createFile}. */
  void createSymlink(String name, String target);

  /**
   * Adds a hard link named {@code name} to {@code existing}, a file of the same file system.
   *
   * @throws FsException {@link FsError#XDEV} across file systems, {@link FsError#PERM} for a directory
   */
  void createLink(String name, Node existing);

  /**
   * Removes a non-directory entry.
   *
   * @throws FsException {@link FsError#NOENT}, {@link FsError#ISDIR} for a directory, {@link FsError#ROFS}
   */
  void removeFile(String name);

  /**
   * Removes an empty directory.
   *
   * @throws FsException {@link FsError#NOENT}, {@link FsError#NOTDIR}, {@link FsError#NOTEMPTY}
   */
  void removeDirectory(String name);

  /**
   * Renames an entry, replacing a target as POSIX {@code rename} does: a file replaces a file, a directory
   * replaces an empty directory.
   *
   * @throws FsException {@link FsError#XDEV} when {@code targetDirectory} is another file system,
   *     {@link FsError#ISDIR}, {@link FsError#NOTDIR}, {@link FsError#NOTEMPTY} as POSIX, {@link FsError#INVAL}
   *     when a directory would move into itself
   */
  void rename(String name, DirectoryNode targetDirectory, String targetName);
}
