package dev.terrarium.host.fs;

/**
 * A symbolic link. File systems never follow links themselves: the WASI layer resolves {@link #target()}
 * within the mount the link was found in.
 */
public interface SymlinkNode extends Node {
  /** Returns the link's target text as written. */
  String target();
}
