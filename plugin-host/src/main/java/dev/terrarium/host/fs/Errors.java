package dev.terrarium.host.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Locale;

/** Turns whatever a backing store throws into an {@link FsException}, and checks names. */
final class Errors {
  private Errors() {}

  /** An operation on a backing store. */
  @FunctionalInterface
  interface IoCall<T> {
    T call() throws IOException;
  }

  /** An operation on a backing store without a result. */
  @FunctionalInterface
  interface IoRun {
    void run() throws IOException;
  }

  /** Runs {@code call}, letting only {@link FsException} escape. */
  static <T> T io(IoCall<T> call) {
    try {
      return call.call();
    } catch (IOException e) {
      throw map(e);
    } catch (dev.terrarium.host.internal.GuestStop stop) {
      throw stop; // the guest's call ends: this is no file system error
    } catch (RuntimeException e) {
      throw map(e);
    }
  }

  /** Runs {@code run}, letting only {@link FsException} escape. */
  static void io(IoRun run) {
    io(
        () -> {
          run.run();
          return null;
        });
  }

  static FsException map(RuntimeException e) {
    if (e instanceof FsException fs) {
      return fs;
    }
    if (e instanceof UncheckedIOException u) {
      return map(u.getCause());
    }
    if (e instanceof NonReadableChannelException || e instanceof NonWritableChannelException) {
      return new FsException(FsError.BADF, "the file is not open for that", e);
    }
    if (e instanceof ClosedFileSystemException) {
      return new FsException(FsError.BADF, "the file system is closed", e);
    }
    if (e instanceof UnsupportedOperationException) {
      return new FsException(FsError.NOTSUP, e.getMessage(), e);
    }
    if (e instanceof InvalidPathException || e instanceof IllegalArgumentException) {
      return new FsException(FsError.INVAL, e.getMessage(), e);
    }
    if (e instanceof SecurityException) {
      return new FsException(FsError.ACCES, e.getMessage(), e);
    }
    return new FsException(FsError.IO, String.valueOf(e), e);
  }

  /** Maps an I/O failure to the POSIX error it stands for, {@link FsError#IO} when it says nothing more. */
  static FsException map(IOException e) {
    return new FsException(errorOf(e), e.getMessage(), e);
  }

  static FsError errorOf(IOException e) {
    if (e instanceof NoSuchFileException) {
      return FsError.NOENT;
    }
    if (e instanceof FileAlreadyExistsException) {
      return FsError.EXIST;
    }
    if (e instanceof DirectoryNotEmptyException) {
      return FsError.NOTEMPTY;
    }
    if (e instanceof NotDirectoryException) {
      return FsError.NOTDIR;
    }
    if (e instanceof AccessDeniedException) {
      return FsError.ACCES;
    }
    if (e instanceof NotLinkException) {
      return FsError.INVAL;
    }
    if (e instanceof AtomicMoveNotSupportedException) {
      return FsError.XDEV;
    }
    if (e instanceof FileSystemLoopException) {
      return FsError.LOOP;
    }
    if (e instanceof ClosedChannelException) {
      return FsError.BADF;
    }
    String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
    return reason == null ? FsError.IO : errorOfReason(reason.toLowerCase(Locale.ROOT));
  }

  /** The strerror texts of Linux and macOS, and the reasons Jimfs gives. */
  private static FsError errorOfReason(String r) {
    if (r.contains("too many levels of symbolic links")) {
      return FsError.LOOP;
    }
    if (r.contains("not a directory")) {
      return FsError.NOTDIR;
    }
    if (r.contains("is a directory")) {
      return FsError.ISDIR;
    }
    if (r.contains("cross-device link")) {
      return FsError.XDEV;
    }
    if (r.contains("no space left") || r.contains("out of disk space")) {
      return FsError.NOSPC;
    }
    if (r.contains("quota exceeded")) {
      return FsError.DQUOT;
    }
    if (r.contains("directory not empty")) {
      return FsError.NOTEMPTY;
    }
    if (r.contains("file exists")) {
      return FsError.EXIST;
    }
    if (r.contains("no such file")) {
      return FsError.NOENT;
    }
    if (r.contains("permission denied")) {
      return FsError.ACCES;
    }
    if (r.contains("operation not permitted")) {
      return FsError.PERM;
    }
    if (r.contains("read-only file system")) {
      return FsError.ROFS;
    }
    if (r.contains("file name too long")) {
      return FsError.NAMETOOLONG;
    }
    if (r.contains("too many links")) {
      return FsError.MLINK;
    }
    if (r.contains("file too large")) {
      return FsError.FBIG;
    }
    if (r.contains("resource busy")) {
      return FsError.BUSY;
    }
    if (r.contains("invalid argument")) {
      return FsError.INVAL;
    }
    if (r.contains("bad file descriptor")) {
      return FsError.BADF;
    }
    return FsError.IO;
  }

  /** Checks that {@code name} is one path component, as {@link DirectoryNode} promises its callers. */
  static String name(String name) {
    if (name == null) {
      throw new FsException(FsError.INVAL, "the name is missing");
    }
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw new FsException(FsError.INVAL, "'" + name + "' is not a name");
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new FsException(FsError.INVAL, "a name holds no '/' or NUL, got '" + name.replace("\0", "\\0") + "'");
    }
    return name;
  }

  static FsException readOnly() {
    return new FsException(FsError.ROFS, null);
  }
}
