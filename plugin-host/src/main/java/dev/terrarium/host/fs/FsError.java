package dev.terrarium.host.fs;

/**
 * Why a file-system operation failed, in POSIX terms. The WASI layer maps each to the errno of the same name;
 * other callers can read {@link #description()}.
 */
public enum FsError {
  ACCES("permission denied"),
  BADF("bad file descriptor"),
  BUSY("resource busy"),
  DQUOT("quota exceeded"),
  EXIST("file exists"),
  FBIG("file too large"),
  ILSEQ("illegal byte sequence"),
  INVAL("invalid argument"),
  IO("I/O error"),
  ISDIR("is a directory"),
  LOOP("too many levels of symbolic links"),
  MLINK("too many links"),
  NAMETOOLONG("file name too long"),
  NFILE("too many files open in the host"),
  NOENT("no such file or directory"),
  NOSPC("no space left"),
  NOTCAPABLE("outside the granted capabilities"),
  NOTDIR("not a directory"),
  NOTEMPTY("directory not empty"),
  NOTSUP("not supported"),
  PERM("operation not permitted"),
  ROFS("read-only file system"),
  SPIPE("not seekable"),
  XDEV("cross-device link");

  private final String description;

  FsError(String description) {
    this.description = description;
  }

  /** A short human description, e.g. {@code no such file or directory}. */
  public String description() {
    return description;
  }
}
