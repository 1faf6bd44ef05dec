package dev.terrarium.host.fs;

/** The kind of a file-system object. */
public enum NodeType {
  DIRECTORY,
  REGULAR_FILE,
  SYMBOLIC_LINK,
  /** A stream without positions (standard streams, host-provided streams and sinks). */
  CHARACTER_DEVICE,
  UNKNOWN
}
