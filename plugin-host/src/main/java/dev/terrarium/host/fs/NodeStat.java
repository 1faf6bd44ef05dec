package dev.terrarium.host.fs;

/**
 * What {@code stat} says of a node. Times are nanoseconds since the Unix epoch.
 *
 * @param device the file system's device number; nodes of one file system share it
 * @param inode the node's number, unique within its device and stable while the node exists
 * @param type its kind
 * @param linkCount how many directory entries name it
 * @param size its size in bytes (0 for streams)
 * @param accessTime last access
 * @param modifyTime last modification of its content
 * @param changeTime last change of its status
 */
public record NodeStat(
    long device,
    long inode,
    NodeType type,
    long linkCount,
    long size,
    long accessTime,
    long modifyTime,
    long changeTime) {}
