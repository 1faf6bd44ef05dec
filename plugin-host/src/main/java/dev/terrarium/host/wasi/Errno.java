package dev.terrarium.host.wasi;

import dev.terrarium.host.fs.FsError;

/** WASI preview 1 error numbers (the subset Terrarium returns), with their codes. */
public enum Errno {
  SUCCESS(0),
  TOOBIG(1),
  ACCES(2),
  AGAIN(6),
  BADF(8),
  BUSY(10),
  DQUOT(19),
  EXIST(20),
  FAULT(21),
  FBIG(22),
  ILSEQ(25),
  INTR(27),
  INVAL(28),
  IO(29),
  ISDIR(31),
  LOOP(32),
  MFILE(33),
  MLINK(34),
  NAMETOOLONG(37),
  NFILE(41),
  NOENT(44),
  NOMEM(48),
  NOSPC(51),
  NOSYS(52),
  NOTDIR(54),
  NOTEMPTY(55),
  NOTSOCK(57),
  NOTSUP(58),
  OVERFLOW(61),
  PERM(63),
  ROFS(69),
  SPIPE(70),
  XDEV(75),
  NOTCAPABLE(76);

  private static final Errno[] BY_CODE = new Errno[77];

  static {
    for (Errno e : values()) {
      BY_CODE[e.code] = e;
    }
  }

  private final int code;
  private final WasiError error;

  Errno(int code) {
    this.code = code;
    this.error = new WasiError(this);
  }

  /** The number the guest receives. */
  public int code() {
    return code;
  }

  /** Returns the errno with {@code code}, or {@code null}. */
  public static Errno of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** A shared, stackless exception carrying this errno, for leaving a WASI function early. */
  WasiError error() {
    return error;
  }

  /** The errno WASI prescribes for a file-system failure. */
  public static Errno of(FsError e) {
    return switch (e) {
      case ACCES -> ACCES;
      case BADF -> BADF;
      case BUSY -> BUSY;
      case DQUOT -> DQUOT;
      case EXIST -> EXIST;
      case FBIG -> FBIG;
      case ILSEQ -> ILSEQ;
      case INVAL -> INVAL;
      case IO -> IO;
      case ISDIR -> ISDIR;
      case LOOP -> LOOP;
      case MLINK -> MLINK;
      case NAMETOOLONG -> NAMETOOLONG;
      case NFILE -> NFILE;
      case NOENT -> NOENT;
      case NOSPC -> NOSPC;
      case NOTCAPABLE -> NOTCAPABLE;
      case NOTDIR -> NOTDIR;
      case NOTEMPTY -> NOTEMPTY;
      case NOTSUP -> NOTSUP;
      case PERM -> PERM;
      case ROFS -> ROFS;
      case SPIPE -> SPIPE;
      case XDEV -> XDEV;
    };
  }

  /** Thrown inside the WASI layer to return an errno; never leaves it. */
  static final class WasiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Errno errno;

    WasiError(Errno errno) {
      super(errno.name(), null, false, false);
      this.errno = errno;
    }
  }
}
