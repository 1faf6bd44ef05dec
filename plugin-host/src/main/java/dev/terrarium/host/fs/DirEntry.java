package dev.terrarium.host.fs;

/**
 * One entry of a directory listing.
 *
 * @param name its name, a single path component (never {@code .} or {@code ..})
 * @param type the kind of node it names, without following a symbolic link
 * @param inode the inode of that node
 */
public record DirEntry(String name, NodeType type, long inode) {}
