package dev.terrarium.host.fs;

/** A file-system operation failed with {@link #error()}. Unchecked; the WASI layer turns it into an errno. */
public final class FsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient FsError error;

  public FsException(FsError error, String message) {
    super(message == null ? error.description() : error.description() + ": " + message, null, false, false);
    this.error = error;
  }

  public FsException(FsError error, String message, Throwable cause) {
    super(message == null ? error.description() : error.description() + ": " + message, cause, false, false);
    this.error = error;
  }

  /** Why it failed. */
  public FsError error() {
    return error;
  }
}
