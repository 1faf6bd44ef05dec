package dev.terrarium.host.wasi;

import dev.terrarium.host.fs.DirEntry;
import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.FileNode;
import dev.terrarium.host.fs.FsError;
import dev.terrarium.host.fs.FsException;
import dev.terrarium.host.fs.Node;
import dev.terrarium.host.fs.NodeStat;
import dev.terrarium.host.fs.Nodes;
import dev.terrarium.host.fs.NodeType;
import dev.terrarium.host.fs.OpenFile;
import dev.terrarium.host.fs.SymlinkNode;
import dev.terrarium.host.wasi.Descriptor.Location;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import dev.terrarium.host.internal.Utf8;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Terrarium's WASI preview 1 for one instance: its descriptor table over {@code host.fs} nodes, its
 * arguments, environment, clocks and randomness. Engine-independent: {@link WasiFunctions} lists the functions
 * and the engine binds them as plain host functions. Not thread-safe, as the instance it serves.
 *
 * <p>Paths are resolved here, one component at a time, within the directory tree of the descriptor they start
 * from: {@code ..} never climbs above a pre-opened directory, an absolute path or symbolic link is refused with
 * {@code ENOTCAPABLE}, and file systems never follow links themselves. Rights follow the preview 1 model: a
 * descriptor's rights can be dropped, never raised, and a read-only mount's descriptors never hold the rights
 * to change anything.
 */
public final class Wasi implements AutoCloseable {
  static final int FDFLAG_APPEND = 1;
  static final int FDFLAG_DSYNC = 2;
  static final int FDFLAG_NONBLOCK = 4;
  static final int FDFLAG_RSYNC = 8;
  static final int FDFLAG_SYNC = 16;
  private static final int FDFLAGS_ALL = 31;

  private static final int OFLAG_CREAT = 1;
  private static final int OFLAG_DIRECTORY = 2;
  private static final int OFLAG_EXCL = 4;
  /**
   * How often path_open with O_CREAT looks again for a name that others create and remove as it tries. 100 was
   * not enough: two instances churning one name on a host directory (WasiConformanceTest) once lost 100 races in
   * a row on a two-core machine under Temurin 25. After the first few attempts each retry yields the thread, so
   * that the other side can finish what it is doing.
   */
  private static final int CREATE_ATTEMPTS = 10_000;
  private static final int OFLAG_TRUNC = 8;

  private static final int LOOKUP_SYMLINK_FOLLOW = 1;

  private static final int FST_ATIM = 1;
  private static final int FST_ATIM_NOW = 2;
  private static final int FST_MTIM = 4;
  private static final int FST_MTIM_NOW = 8;

  private static final int MAX_SYMLINKS = 40;
  private static final int MAX_NAME_BYTES = 255;
  /**
   * The longest path, or symbolic link text, a guest may pass (Linux's {@code PATH_MAX}). Without it a guest could
   * make the host copy, decode and split a path as large as its memory (millions of component strings from a few
   * megabytes), and keep link texts of that size in a memory file system whose quota counts a link as nothing.
   */
  static final int MAX_PATH_BYTES = 4096;
  /**
   * The most descriptors an instance may hold, as a common {@code RLIMIT_NOFILE}: each open host file is a real
   * descriptor of the host process, which many instances share.
   */
  private static final int MAX_DESCRIPTORS = 1024;
  /** The most path components one resolution may walk, links included, so that a lookup stays cheap. */
  private static final int MAX_RESOLUTION_STEPS = 4096;
  /** The most subscriptions one poll_oneoff may have, so that a guest cannot make the host allocate much. */
  private static final int MAX_SUBSCRIPTIONS = 4096;
  private static final int CHUNK = 64 * 1024;

  private static final long MONOTONIC_ORIGIN = System.nanoTime() - 1;
  private static final SecureRandom SECURE_RANDOM = new SecureRandom();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final List<String> args;
  private final Map<String, String> env;
  private final SplittableRandom seeded;
  private final Consumer<WasiCall> trace;
  private Descriptor[] table = new Descriptor[8];
  private int highest = -1;
  private byte[] scratch = new byte[256];
  private Thread cpuThread;
  private long cpuBase;
  private long cpuThreadStart;
  private long cpuLast;

  /** Thrown by {@code proc_exit}: the engine ends the call with this exit code. */
  public static final class Exit extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    Exit(int code) {
      super("proc_exit(" + code + ")", null, false, false);
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  /** Thrown when a blocking WASI call is interrupted: the engine ends the call as interrupted or timed out. */
  public static final class Interrupted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Interrupted() {
      super("a WASI call was interrupted", null, false, false);
    }
  }

  public Wasi(WasiSetup setup) {
    this.args = setup.args();
    this.env = setup.env();
    this.seeded = setup.randomSeed() == null ? null : new SplittableRandom(setup.randomSeed());
    this.trace = setup.trace();
    place(0, stream(setup.stdin(), true, "<stdin>"));
    place(1, stream(setup.stdout(), false, "<stdout>"));
    place(2, stream(setup.stderr(), false, "<stderr>"));
    for (WasiSetup.Preopen p : setup.preopens()) {
      preopen(p.guestPath(), p.directory(), p.readOnly());
    }
  }

  private static Descriptor stream(FileNode node, boolean input, String name) {
    OpenFile file = node.open(input, !input);
    long rights = Rights.STREAM & ~(input ? Rights.FD_WRITE : Rights.FD_READ);
    return new Descriptor(Descriptor.CHARACTER_DEVICE, node, file, null, rights, 0, 0, null, name);
  }

  // ---- embedding API ------------------------------------------------------------------------------------

  /**
   * Pre-opens {@code directory} under {@code guestPath} at the lowest free descriptor and returns it.
   *
   * @throws IllegalStateException when the table is full
   */
  public int preopen(String guestPath, DirectoryNode directory, boolean readOnly) {
    // The rights below are the first line; a read-only view makes the file system refuse on its own as well (a
    // writable memory file system or overlay mounted read-only would otherwise rest on the rights alone).
    directory = readOnly ? Nodes.readOnly(directory) : directory;
    long base = readOnly ? Rights.DIRECTORY & ~Rights.MUTATING : Rights.DIRECTORY;
    long inheriting = readOnly ? (Rights.DIRECTORY | Rights.FILE) & ~Rights.MUTATING : Rights.DIRECTORY | Rights.FILE;
    Descriptor d =
        new Descriptor(
            Descriptor.DIRECTORY,
            directory,
            null,
            new Location(directory, null),
            base,
            inheriting,
            0,
            guestPath,
            guestPath);
    return placeLowest(d);
  }

  /**
   * Opens a host-provided file at the lowest free descriptor and returns it.
   *
   * @param name how listings name it
   */
  public int open(String name, FileNode node, boolean read, boolean write) {
    return placeLowest(openFile(node, read, write, name));
  }

  /**
   * Puts {@code node} behind descriptor {@code fd} (stdout, say), closing what was there. The descriptor keeps
   * its rights.
   *
   * @throws IllegalArgumentException when {@code fd} is not open or is a directory
   */
  public void replace(int fd, FileNode node) {
    Descriptor old = fd >= 0 && fd <= highest ? table[fd] : null;
    if (old == null || old.isDirectory()) {
      throw new IllegalArgumentException("descriptor " + fd + " is not an open file");
    }
    boolean read = (old.rightsBase & Rights.FD_READ) != 0;
    boolean write = (old.rightsBase & Rights.FD_WRITE) != 0;
    OpenFile file = node.open(read || !write, write);
    closeQuietly(old.file);
    old.file = file;
    old.node = node;
    old.position = 0;
  }

  /** Lists the open descriptors, lowest first. */
  public List<OpenDescriptor> descriptors() {
    List<OpenDescriptor> out = new ArrayList<>();
    for (int fd = 0; fd <= highest; fd++) {
      Descriptor d = table[fd];
      if (d != null) {
        String type =
            switch (d.fileType) {
              case Descriptor.DIRECTORY -> "directory";
              case Descriptor.REGULAR_FILE -> "regular file";
              case Descriptor.CHARACTER_DEVICE -> "character device";
              default -> "unknown";
            };
        boolean writable =
            (d.rightsBase & (d.isDirectory() ? Rights.PATH_CREATE_FILE : Rights.FD_WRITE)) != 0;
        out.add(
            new OpenDescriptor(
                fd, type, d.guestPath, (d.rightsBase & Rights.FD_READ) != 0 || d.isDirectory(), writable,
                d.preopenName != null));
      }
    }
    return out;
  }

  /** Closes every descriptor. */
  @Override
  public void close() {
    for (int fd = 0; fd <= highest; fd++) {
      if (table[fd] != null) {
        closeQuietly(table[fd].file);
        table[fd] = null;
      }
    }
    highest = -1;
  }

  private static void closeQuietly(OpenFile f) {
    if (f != null) {
      try {
        f.close();
      } catch (RuntimeException ignored) {
        // closing must not fail the instance; the file system already reported what it could
      }
    }
  }

  // ---- dispatch -----------------------------------------------------------------------------------------

  /** Runs {@code function} and returns its errno (or nothing, for {@code proc_exit}). */
  long[] invoke(WasiFunctions.Function function, WasiMemory memory, long[] a) {
    if (trace == null) {
      return function.hasResult() ? new long[] {run(function, memory, a)} : runVoid(function, memory, a);
    }
    long start = System.nanoTime();
    Errno errno = null;
    try {
      if (!function.hasResult()) {
        return runVoid(function, memory, a);
      }
      int code = run(function, memory, a);
      errno = Errno.of(code);
      return new long[] {code};
    } finally {
      trace.accept(new WasiCall(function.module(), function.name(), a, errno, System.nanoTime() - start));
    }
  }

  private int run(WasiFunctions.Function function, WasiMemory memory, long[] a) {
    try {
      return WasiFunctions.call(function, this, memory, a);
    } catch (Errno.WasiError e) {
      return e.errno.code();
    } catch (FsException e) {
      return Errno.of(e.error()).code();
    }
  }

  private long[] runVoid(WasiFunctions.Function function, WasiMemory memory, long[] a) {
    run(function, memory, a);
    return new long[0];
  }

  static Errno.WasiError fail(Errno e) {
    return e.error();
  }

  // ---- descriptors --------------------------------------------------------------------------------------

  private void place(int fd, Descriptor d) {
    if (fd >= table.length) {
      table = Arrays.copyOf(table, Math.max(fd + 1, table.length * 2));
    }
    table[fd] = d;
    highest = Math.max(highest, fd);
  }

  private int placeLowest(Descriptor d) {
    for (int fd = 0; fd <= highest; fd++) {
      if (table[fd] == null) {
        table[fd] = d;
        return fd;
      }
    }
    if (highest + 1 >= MAX_DESCRIPTORS) {
      closeQuietly(d.file);
      throw fail(Errno.MFILE);
    }
    place(highest + 1, d);
    return highest;
  }

  private Descriptor descriptor(int fd) {
    Descriptor d = fd >= 0 && fd <= highest ? table[fd] : null;
    if (d == null) {
      throw fail(Errno.BADF);
    }
    return d;
  }

  private Descriptor descriptor(int fd, long rights) {
    Descriptor d = descriptor(fd);
    if ((d.rightsBase & rights) != rights) {
      throw fail(Errno.NOTCAPABLE);
    }
    return d;
  }

  private Descriptor directory(int fd, long rights) {
    Descriptor d = descriptor(fd);
    if (!d.isDirectory()) {
      throw fail(Errno.NOTDIR);
    }
    if ((d.rightsBase & rights) != rights) {
      throw fail(Errno.NOTCAPABLE);
    }
    return d;
  }

  private Descriptor file(int fd, long rights) {
    Descriptor d = descriptor(fd);
    if (d.isDirectory()) {
      throw fail((rights & (Rights.FD_READ | Rights.FD_WRITE)) != 0 ? Errno.ISDIR : Errno.BADF);
    }
    if ((d.rightsBase & rights) != rights) {
      throw fail(Errno.NOTCAPABLE);
    }
    return d;
  }

  private static Descriptor openFile(FileNode node, boolean read, boolean write, String guestPath) {
    OpenFile file = node.open(read, write);
    byte type = typeOf(file);
    long rights = type == Descriptor.REGULAR_FILE ? Rights.FILE : Rights.STREAM;
    if (!read) {
      rights &= ~Rights.FD_READ;
    }
    if (!write) {
      rights &= ~Rights.FILE_WRITE;
    }
    return new Descriptor(type, node, file, null, rights, 0, 0, null, guestPath);
  }

  /** A file node opens as a regular file (seekable) or a stream (a character device), never anything else. */
  private static byte typeOf(OpenFile file) {
    return file.seekable() ? Descriptor.REGULAR_FILE : Descriptor.CHARACTER_DEVICE;
  }

  static byte fileType(NodeType t) {
    return switch (t) {
      case DIRECTORY -> Descriptor.DIRECTORY;
      case REGULAR_FILE -> Descriptor.REGULAR_FILE;
      case SYMBOLIC_LINK -> 7;
      case CHARACTER_DEVICE -> Descriptor.CHARACTER_DEVICE;
      case UNKNOWN -> Descriptor.UNKNOWN;
    };
  }

  // ---- memory helpers -----------------------------------------------------------------------------------

  private byte[] scratch(int size) {
    if (scratch.length < size) {
      scratch = new byte[Math.max(size, Math.min(CHUNK, scratch.length * 2))];
    }
    return scratch;
  }

  private static String readPath(WasiMemory m, int ptr, int len) {
    if (len < 0) {
      throw fail(Errno.INVAL);
    }
    if (len > MAX_PATH_BYTES) {
      throw fail(Errno.NAMETOOLONG);
    }
    byte[] bytes = m.read(ptr, len);
    for (byte b : bytes) {
      if (b == 0) {
        throw fail(Errno.INVAL);
      }
    }
    try {
      return Utf8.decode(bytes);
    } catch (CharacterCodingException e) {
      throw fail(Errno.ILSEQ);
    }
  }

  private static void checkRange(WasiMemory m, int ptr, long len) {
    if (Integer.toUnsignedLong(ptr) + len > m.size()) {
      throw fail(Errno.FAULT);
    }
  }

  // ---- args, environment --------------------------------------------------------------------------------

  int argsSizesGet(WasiMemory m, int countPtr, int sizePtr) {
    return sizes(m, args, countPtr, sizePtr);
  }

  int argsGet(WasiMemory m, int argv, int buf) {
    return strings(m, args, argv, buf);
  }

  int environSizesGet(WasiMemory m, int countPtr, int sizePtr) {
    return sizes(m, environment(), countPtr, sizePtr);
  }

  int environGet(WasiMemory m, int environ, int buf) {
    return strings(m, environment(), environ, buf);
  }

  private List<String> environment() {
    List<String> out = new ArrayList<>(env.size());
    env.forEach((k, v) -> out.add(k + "=" + v));
    out.sort(null);
    return out;
  }

  private static int sizes(WasiMemory m, List<String> values, int countPtr, int sizePtr) {
    long size = 0;
    for (String s : values) {
      size += s.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    m.writeInt(countPtr, values.size());
    m.writeInt(sizePtr, (int) size);
    return 0;
  }

  private static int strings(WasiMemory m, List<String> values, int pointers, int buf) {
    int at = buf;
    for (int i = 0; i < values.size(); i++) {
      byte[] b = values.get(i).getBytes(StandardCharsets.UTF_8);
      m.writeInt(pointers + 4 * i, at);
      m.write(at, b, 0, b.length);
      m.writeByte(at + b.length, (byte) 0);
      at += b.length + 1;
    }
    return 0;
  }

  // ---- clocks, randomness, scheduling -------------------------------------------------------------------

  int clockResGet(WasiMemory m, int id, int resultPtr) {
    long res =
        switch (id) {
          case 0 -> 1_000L;
          case 1, 2, 3 -> 1L;
          default -> throw fail(Errno.INVAL);
        };
    m.writeLong(resultPtr, res);
    return 0;
  }

  int clockTimeGet(WasiMemory m, int id, long precision, int resultPtr) {
    m.writeLong(resultPtr, now(id));
    return 0;
  }

  private long now(int id) {
    return switch (id) {
      case 0 -> {
        Instant t = Instant.now();
        yield t.getEpochSecond() * 1_000_000_000L + t.getNano();
      }
      case 1 -> System.nanoTime() - MONOTONIC_ORIGIN;
      case 2 -> processCpuTime();
      case 3 -> threadCpuTime();
      default -> throw fail(Errno.INVAL);
    };
  }

  private static long threadCpuTime() {
    long t = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    return t < 0 ? System.nanoTime() - MONOTONIC_ORIGIN : t;
  }

  /**
   * The instance's CPU time: the CPU time of the threads that ran its calls, counted from the first time it
   * read this clock on each thread, and never going back when its calls move to another thread.
   */
  private long processCpuTime() {
    long t = threadCpuTime();
    Thread current = Thread.currentThread();
    if (current != cpuThread) {
      cpuThread = current;
      cpuThreadStart = t;
      cpuBase = cpuLast;
    }
    cpuLast = Math.max(cpuLast, cpuBase + (t - cpuThreadStart));
    return cpuLast;
  }

  int randomGet(WasiMemory m, int buf, int len) {
    long total = Integer.toUnsignedLong(len);
    checkRange(m, buf, total);
    long done = 0;
    while (done < total) {
      int n = (int) Math.min(CHUNK, total - done);
      byte[] b = scratch(n);
      if (seeded != null) {
        for (int i = 0; i < n; i++) {
          b[i] = (byte) seeded.nextInt();
        }
      } else {
        byte[] r = new byte[n];
        SECURE_RANDOM.nextBytes(r);
        System.arraycopy(r, 0, b, 0, n);
      }
      m.write((int) (buf + done), b, 0, n);
      done += n;
    }
    return 0;
  }

  int schedYield() {
    Thread.yield();
    return 0;
  }

  int procExit(int code) {
    throw new Exit(code);
  }

  int procRaise(int signal) {
    return Errno.NOTSUP.code();
  }

  /** Sockets: Terrarium never hands a guest a socket, so every descriptor is not one. */
  int sock(int fd) {
    descriptor(fd);
    return Errno.NOTSOCK.code();
  }

  // ---- descriptors: reading and writing -----------------------------------------------------------------

  int fdWrite(WasiMemory m, int fd, int iovs, int iovsLen, int nwrittenPtr) {
    Descriptor d = file(fd, Rights.FD_WRITE);
    long total = write(m, d, iovs, iovsLen, -1);
    m.writeInt(nwrittenPtr, (int) total);
    return 0;
  }

  int fdPwrite(WasiMemory m, int fd, int iovs, int iovsLen, long offset, int nwrittenPtr) {
    Descriptor d = positioned(fd, Rights.FD_WRITE, offset);
    long total = write(m, d, iovs, iovsLen, offset);
    m.writeInt(nwrittenPtr, (int) total);
    return 0;
  }

  /** The descriptor of a {@code pread}/{@code pwrite}: a seekable file with {@code right} and a valid offset. */
  private Descriptor positioned(int fd, long right, long offset) {
    Descriptor d = file(fd, right | Rights.FD_SEEK);
    if (!d.file.seekable()) {
      throw fail(Errno.SPIPE);
    }
    if (offset < 0) {
      throw fail(Errno.INVAL);
    }
    return d;
  }

  /** Writes the iovecs at {@code at}, or at the descriptor's position (or end, appending) when negative. */
  private long write(WasiMemory m, Descriptor d, int iovs, int iovsLen, long at) {
    OpenFile f = d.file;
    boolean seekable = f.seekable();
    long pos = at >= 0 ? at : (d.flags & FDFLAG_APPEND) != 0 && seekable ? f.size() : d.position;
    long total = 0;
    for (int i = 0; i < iovsLen; i++) {
      int ptr = m.readInt(iovs + 8 * i);
      int len = m.readInt(iovs + 8 * i + 4);
      checkRange(m, ptr, Integer.toUnsignedLong(len));
      int done = 0;
      while (done < len) {
        int n = Math.min(CHUNK, len - done);
        byte[] b = m.read(ptr + done, n);
        int w = f.write(ByteBuffer.wrap(b, 0, n), pos);
        pos += w;
        done += w;
        total += w;
      }
    }
    if (at < 0 && seekable) {
      d.position = pos;
    }
    if ((d.flags & (FDFLAG_SYNC | FDFLAG_DSYNC)) != 0) {
      f.sync();
    }
    return total;
  }

  int fdRead(WasiMemory m, int fd, int iovs, int iovsLen, int nreadPtr) {
    Descriptor d = file(fd, Rights.FD_READ);
    long total = read(m, d, iovs, iovsLen, -1);
    m.writeInt(nreadPtr, (int) total);
    return 0;
  }

  int fdPread(WasiMemory m, int fd, int iovs, int iovsLen, long offset, int nreadPtr) {
    Descriptor d = positioned(fd, Rights.FD_READ, offset);
    long total = read(m, d, iovs, iovsLen, offset);
    m.writeInt(nreadPtr, (int) total);
    return 0;
  }

  private long read(WasiMemory m, Descriptor d, int iovs, int iovsLen, long at) {
    OpenFile f = d.file;
    boolean seekable = f.seekable();
    long pos = at >= 0 ? at : d.position;
    long total = 0;
    outer:
    for (int i = 0; i < iovsLen; i++) {
      int ptr = m.readInt(iovs + 8 * i);
      int len = m.readInt(iovs + 8 * i + 4);
      checkRange(m, ptr, Integer.toUnsignedLong(len));
      int done = 0;
      while (done < len) {
        int want = Math.min(CHUNK, len - done);
        byte[] b = scratch(want);
        int n = f.read(ByteBuffer.wrap(b, 0, want), pos);
        if (n <= 0) {
          break outer;
        }
        m.write(ptr + done, b, 0, n);
        pos += n;
        done += n;
        total += n;
        if (!seekable && n < want) {
          break outer; // a stream gave what it had; do not block for more
        }
      }
    }
    if (at < 0 && seekable) {
      d.position = pos;
    }
    return total;
  }

  int fdSeek(WasiMemory m, int fd, long offset, int whence, int resultPtr, boolean unstable) {
    Descriptor d = descriptor(fd);
    if (d.isDirectory()) {
      throw fail(Errno.BADF);
    }
    if (!d.file.seekable()) {
      throw fail(Errno.SPIPE);
    }
    boolean tellOnly = offset == 0 && whence == (unstable ? 0 : 1);
    if ((d.rightsBase & (tellOnly ? Rights.FD_TELL | Rights.FD_SEEK : Rights.FD_SEEK)) == 0) {
      throw fail(Errno.NOTCAPABLE);
    }
    int set = unstable ? 2 : 0;
    int cur = unstable ? 0 : 1;
    int end = unstable ? 1 : 2;
    long base;
    if (whence == set) {
      base = 0;
    } else if (whence == cur) {
      base = d.position;
    } else if (whence == end) {
      base = d.file.size();
    } else {
      throw fail(Errno.INVAL);
    }
    long target = base + offset;
    if ((offset > 0 && target < base) || target < 0) {
      throw fail(Errno.INVAL);
    }
    d.position = target;
    m.writeLong(resultPtr, target);
    return 0;
  }

  int fdTell(WasiMemory m, int fd, int resultPtr) {
    Descriptor d = file(fd, 0);
    if (!d.file.seekable()) {
      throw fail(Errno.SPIPE);
    }
    if ((d.rightsBase & Rights.FD_TELL) == 0) {
      throw fail(Errno.NOTCAPABLE);
    }
    m.writeLong(resultPtr, d.position);
    return 0;
  }

  int fdClose(int fd) {
    Descriptor d = descriptor(fd);
    table[fd] = null;
    while (highest >= 0 && table[highest] == null) {
      highest--;
    }
    closeQuietly(d.file);
    return 0;
  }

  int fdRenumber(int from, int to) {
    Descriptor d = descriptor(from);
    Descriptor old = descriptor(to);
    if (from == to) {
      return 0;
    }
    closeQuietly(old.file);
    table[to] = d;
    table[from] = null;
    while (highest >= 0 && table[highest] == null) {
      highest--;
    }
    return 0;
  }

  int fdSync(int fd, long right) {
    Descriptor d = descriptor(fd, right);
    if (d.file != null) {
      d.file.sync();
    }
    return 0;
  }

  int fdAdvise(int fd, long offset, long len, int advice) {
    Descriptor d = file(fd, Rights.FD_ADVISE);
    if (advice < 0 || advice > 5 || offset < 0 || len < 0 || d.fileType != Descriptor.REGULAR_FILE) {
      throw fail(d.fileType == Descriptor.REGULAR_FILE ? Errno.INVAL : Errno.SPIPE);
    }
    return 0;
  }

  int fdAllocate(int fd, long offset, long len) {
    Descriptor d = file(fd, Rights.FD_ALLOCATE);
    if (offset < 0 || len <= 0 || offset + len < 0) {
      throw fail(Errno.INVAL);
    }
    if (!d.file.seekable()) {
      throw fail(Errno.SPIPE);
    }
    if (offset + len > d.file.size()) {
      d.file.truncate(offset + len);
    }
    return 0;
  }

  // ---- descriptors: status ------------------------------------------------------------------------------

  int fdFdstatGet(WasiMemory m, int fd, int ptr) {
    Descriptor d = descriptor(fd);
    checkRange(m, ptr, 24);
    m.writeByte(ptr, d.fileType);
    m.writeByte(ptr + 1, (byte) 0);
    m.writeShort(ptr + 2, (short) d.flags);
    m.writeInt(ptr + 4, 0);
    m.writeLong(ptr + 8, d.rightsBase);
    m.writeLong(ptr + 16, d.rightsInheriting);
    return 0;
  }

  int fdFdstatSetFlags(int fd, int flags) {
    Descriptor d = descriptor(fd, Rights.FD_FDSTAT_SET_FLAGS);
    if ((flags & ~FDFLAGS_ALL) != 0) {
      throw fail(Errno.INVAL);
    }
    d.flags = flags;
    return 0;
  }

  int fdFdstatSetRights(int fd, long base, long inheriting) {
    Descriptor d = descriptor(fd);
    if ((base & ~d.rightsBase) != 0 || (inheriting & ~d.rightsInheriting) != 0) {
      throw fail(Errno.NOTCAPABLE);
    }
    d.rightsBase = base;
    d.rightsInheriting = inheriting;
    return 0;
  }

  int fdFilestatGet(WasiMemory m, int fd, int ptr, boolean unstable) {
    Descriptor d = descriptor(fd, Rights.FD_FILESTAT_GET);
    NodeStat s = d.file != null ? d.file.stat() : d.node.stat();
    writeFilestat(m, ptr, s, unstable);
    return 0;
  }

  int fdFilestatSetSize(int fd, long size) {
    Descriptor d = file(fd, Rights.FD_FILESTAT_SET_SIZE);
    if (size < 0) {
      throw fail(Errno.INVAL);
    }
    d.file.truncate(size);
    return 0;
  }

  int fdFilestatSetTimes(int fd, long atim, long mtim, int flags) {
    Descriptor d = descriptor(fd, Rights.FD_FILESTAT_SET_TIMES);
    Long[] times = times(atim, mtim, flags);
    if (d.file != null) {
      d.file.setTimes(times[0], times[1]);
    } else {
      d.node.setTimes(times[0], times[1]);
    }
    return 0;
  }

  private Long[] times(long atim, long mtim, int flags) {
    if ((flags & ~15) != 0
        || (flags & (FST_ATIM | FST_ATIM_NOW)) == (FST_ATIM | FST_ATIM_NOW)
        || (flags & (FST_MTIM | FST_MTIM_NOW)) == (FST_MTIM | FST_MTIM_NOW)) {
      throw fail(Errno.INVAL);
    }
    long now = (flags & (FST_ATIM_NOW | FST_MTIM_NOW)) != 0 ? now(0) : 0;
    Long a = null;
    if ((flags & FST_ATIM) != 0) {
      a = atim;
    } else if ((flags & FST_ATIM_NOW) != 0) {
      a = now;
    }
    Long mm = null;
    if ((flags & FST_MTIM) != 0) {
      mm = mtim;
    } else if ((flags & FST_MTIM_NOW) != 0) {
      mm = now;
    }
    return new Long[] {a, mm};
  }

  private static void writeFilestat(WasiMemory m, int ptr, NodeStat s, boolean unstable) {
    checkRange(m, ptr, unstable ? 56 : 64);
    m.writeLong(ptr, s.device());
    m.writeLong(ptr + 8, s.inode());
    m.writeLong(ptr + 16, 0);
    m.writeByte(ptr + 16, fileType(s.type()));
    if (unstable) {
      m.writeInt(ptr + 20, (int) Math.min(s.linkCount(), 0xffff_ffffL));
      m.writeLong(ptr + 24, s.size());
      m.writeLong(ptr + 32, s.accessTime());
      m.writeLong(ptr + 40, s.modifyTime());
      m.writeLong(ptr + 48, s.changeTime());
    } else {
      m.writeLong(ptr + 24, s.linkCount());
      m.writeLong(ptr + 32, s.size());
      m.writeLong(ptr + 40, s.accessTime());
      m.writeLong(ptr + 48, s.modifyTime());
      m.writeLong(ptr + 56, s.changeTime());
    }
  }

  int fdPrestatGet(WasiMemory m, int fd, int ptr) {
    Descriptor d = descriptor(fd);
    if (d.preopenName == null) {
      throw fail(Errno.BADF);
    }
    m.writeInt(ptr, 0);
    m.writeInt(ptr + 4, d.preopenName.getBytes(StandardCharsets.UTF_8).length);
    return 0;
  }

  int fdPrestatDirName(WasiMemory m, int fd, int ptr, int len) {
    Descriptor d = descriptor(fd);
    if (d.preopenName == null) {
      throw fail(Errno.BADF);
    }
    byte[] name = d.preopenName.getBytes(StandardCharsets.UTF_8);
    if (len < name.length) {
      throw fail(Errno.NAMETOOLONG);
    }
    m.write(ptr, name, 0, name.length);
    return 0;
  }

  int fdReaddir(WasiMemory m, int fd, int buf, int bufLen, long cookie, int usedPtr) {
    Descriptor d = directory(fd, Rights.FD_READDIR);
    if (bufLen < 0) {
      throw fail(Errno.INVAL);
    }
    checkRange(m, buf, bufLen);
    if (cookie < 0) {
      throw fail(Errno.INVAL);
    }
    List<DirEntry> entries = d.listing;
    if (cookie == 0 || entries == null) {
      DirectoryNode dir = d.location.directory();
      entries = new ArrayList<>();
      long self = dir.stat().inode();
      entries.add(new DirEntry(".", NodeType.DIRECTORY, self));
      Location parent = d.location.parent();
      entries.add(new DirEntry("..", NodeType.DIRECTORY, parent == null ? self : parent.directory().stat().inode()));
      entries.addAll(dir.entries());
      d.listing = entries;
    }
    int used = 0;
    ByteBuffer header = ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (long i = cookie; i < entries.size() && used < bufLen; i++) {
      DirEntry e = entries.get((int) i);
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      header.clear();
      header.putLong(i + 1).putLong(e.inode()).putInt(name.length).put(fileType(e.type()));
      header.put(new byte[3]);
      int n = Math.min(24, bufLen - used);
      m.write(buf + used, header.array(), 0, n);
      used += n;
      n = Math.min(name.length, bufLen - used);
      m.write(buf + used, name, 0, n);
      used += n;
    }
    m.writeInt(usedPtr, used);
    return 0;
  }

  // ---- paths --------------------------------------------------------------------------------------------

  /** Where a path led: the directory holding its last component, that name and the node it names. */
  private record Resolved(Location at, String name, Node node, boolean trailingSlash) {}

  private static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty()) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Resolves {@code path} from {@code start}: intermediate symbolic links are always followed, the last one
   * only when {@code followLast}. {@code name} is null when the path ends in {@code .} or {@code ..}.
   */
  private static Resolved resolve(Location start, String path, boolean followLast) {
    if (path.isEmpty()) {
      throw fail(Errno.NOENT);
    }
    if (path.charAt(0) == '/') {
      throw fail(Errno.NOTCAPABLE);
    }
    Deque<String> parts = new ArrayDeque<>(components(path));
    boolean trailing = path.charAt(path.length() - 1) == '/';
    Location loc = start;
    int links = 0;
    int steps = 0;
    while (true) {
      if (++steps > MAX_RESOLUTION_STEPS) {
        throw fail(Errno.LOOP);
      }
      String c = parts.pollFirst();
      boolean last = parts.isEmpty();
      if (c.equals(".") || c.equals("..")) {
        if (c.equals("..")) {
          if (loc.parent() == null) {
            throw fail(Errno.NOTCAPABLE);
          }
          loc = loc.parent();
        }
        if (last) {
          return new Resolved(loc, null, loc.directory(), true);
        }
        continue;
      }
      if (c.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw fail(Errno.NAMETOOLONG);
      }
      Node n = loc.directory().lookup(c);
      if (n == null) {
        if (last) {
          return new Resolved(loc, c, null, trailing);
        }
        throw fail(Errno.NOENT);
      }
      if (n instanceof SymlinkNode link && (!last || followLast || trailing)) {
        if (++links > MAX_SYMLINKS) {
          throw fail(Errno.LOOP);
        }
        String target = link.target();
        if (target.isEmpty()) {
          throw fail(Errno.NOENT);
        }
        if (target.charAt(0) == '/') {
          throw fail(Errno.NOTCAPABLE);
        }
        List<String> t = components(target);
        if (target.charAt(target.length() - 1) == '/' && last) {
          trailing = true;
        }
        if (t.isEmpty()) {
          throw fail(Errno.NOTCAPABLE);
        }
        for (int i = t.size() - 1; i >= 0; i--) {
          parts.addFirst(t.get(i));
        }
        continue;
      }
      if (last) {
        return new Resolved(loc, c, n, trailing);
      }
      if (n instanceof DirectoryNode d) {
        loc = new Location(d, loc);
        continue;
      }
      throw fail(Errno.NOTDIR);
    }
  }

  private static String join(String base, String path) {
    return base.endsWith("/") ? base + path : base + "/" + path;
  }

  int pathOpen(
      WasiMemory m,
      int dirfd,
      int lookupFlags,
      int pathPtr,
      int pathLen,
      int oflags,
      long base,
      long inheriting,
      int fdflags,
      int fdPtr) {
    long needed = Rights.PATH_OPEN;
    if ((oflags & OFLAG_CREAT) != 0) {
      needed |= Rights.PATH_CREATE_FILE;
    }
    if ((oflags & OFLAG_TRUNC) != 0) {
      needed |= Rights.PATH_FILESTAT_SET_SIZE;
    }
    Descriptor dir = directory(dirfd, needed);
    if ((oflags & ~15) != 0 || (fdflags & ~FDFLAGS_ALL) != 0) {
      throw fail(Errno.INVAL);
    }
    // Asking to write where the directory cannot pass the write right on (a read-only mount) fails now. Other
    // rights asked beyond the directory's inheriting rights are just not granted (programs routinely ask for
    // more than they use: Rust's std asks for FD_FILESTAT_SET_TIMES on every file); an operation that needs one
    // of them fails with ENOTCAPABLE when it is tried. Rights are never raised.
    if ((base & Rights.FD_WRITE) != 0 && (dir.rightsInheriting & Rights.FD_WRITE) == 0) {
      throw fail(Errno.NOTCAPABLE);
    }
    base &= dir.rightsInheriting;
    inheriting &= dir.rightsInheriting;
    String path = readPath(m, pathPtr, pathLen);
    checkRange(m, fdPtr, 4);
    boolean follow = (lookupFlags & LOOKUP_SYMLINK_FOLLOW) != 0;
    String guestPath = join(dir.guestPath, path);
    // Without O_EXCL, open(2) with O_CREAT opens whatever is there, atomically. Here the lookup, the create and
    // the open are separate steps, and another descriptor (or another instance on a shared tenant directory)
    // may create or remove the name between them: then it looks again, and gives up only if the name keeps
    // changing under it.
    boolean createOrOpen = (oflags & (OFLAG_CREAT | OFLAG_EXCL)) == OFLAG_CREAT;
    OpenFile file;
    FileNode fileNode;
    for (int attempt = 1; ; attempt++) {
      boolean again = createOrOpen && attempt < CREATE_ATTEMPTS;
      if (attempt > 8) {
        Thread.yield();
      }
      Resolved r = resolve(dir.location, path, follow);
      Node node = r.node();
      if (node == null) {
        if ((oflags & OFLAG_CREAT) == 0) {
          throw fail(Errno.NOENT);
        }
        if ((oflags & OFLAG_DIRECTORY) != 0 || r.trailingSlash()) {
          throw fail(Errno.ISDIR);
        }
        try {
          node = r.at().directory().createFile(r.name());
        } catch (FsException e) {
          if (again && e.error() == FsError.EXIST) {
            continue;
          }
          throw e;
        }
      } else if ((oflags & (OFLAG_CREAT | OFLAG_EXCL)) == (OFLAG_CREAT | OFLAG_EXCL)) {
        throw fail(Errno.EXIST);
      }
      if (node instanceof SymlinkNode) {
        throw fail(Errno.LOOP);
      }
      if (node instanceof DirectoryNode d) {
        if ((oflags & OFLAG_TRUNC) != 0) {
          throw fail(Errno.ISDIR);
        }
        if ((base & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) != 0) {
          throw fail(Errno.ISDIR);
        }
        // A directory descriptor is a root of its own: paths from it cannot climb above it (as openat2 with
        // RESOLVE_BENEATH), whatever was above it when it was opened.
        Location loc = new Location(d, null);
        Descriptor nd =
            new Descriptor(
                Descriptor.DIRECTORY,
                d,
                null,
                loc,
                base & Rights.DIRECTORY,
                inheriting & dir.rightsInheriting,
                fdflags,
                null,
                guestPath);
        m.writeInt(fdPtr, placeLowest(nd));
        return 0;
      }
      if ((oflags & OFLAG_DIRECTORY) != 0 || r.trailingSlash()) {
        throw fail(Errno.NOTDIR);
      }
      fileNode = (FileNode) node;
      boolean write = (base & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) != 0
          || (oflags & OFLAG_TRUNC) != 0;
      boolean read = (base & Rights.FD_READ) != 0 || !write;
      if (write && !fileNode.writable()) {
        throw fail(Errno.ROFS);
      }
      try {
        file = fileNode.open(read, write);
      } catch (FsException e) {
        if (again && e.error() == FsError.NOENT) {
          continue;
        }
        throw e;
      }
      break;
    }
    try {
      if ((oflags & OFLAG_TRUNC) != 0) {
        file.truncate(0);
      }
    } catch (RuntimeException e) {
      closeQuietly(file);
      throw e;
    }
    byte type = typeOf(file);
    long allowed = type == Descriptor.REGULAR_FILE ? Rights.FILE : Rights.STREAM;
    Descriptor nd =
        new Descriptor(type, fileNode, file, null, base & allowed, inheriting & dir.rightsInheriting, fdflags,
            null, guestPath);
    int fd;
    try {
      fd = placeLowest(nd);
    } catch (RuntimeException e) {
      closeQuietly(file);
      throw e;
    }
    m.writeInt(fdPtr, fd);
    return 0;
  }

  int pathCreateDirectory(WasiMemory m, int dirfd, int pathPtr, int pathLen) {
    Descriptor dir = directory(dirfd, Rights.PATH_CREATE_DIRECTORY);
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), false);
    if (r.node() != null || r.name() == null) {
      throw fail(Errno.EXIST);
    }
    r.at().directory().createDirectory(r.name());
    return 0;
  }

  int pathFilestatGet(WasiMemory m, int dirfd, int flags, int pathPtr, int pathLen, int ptr, boolean unstable) {
    Descriptor dir = directory(dirfd, Rights.PATH_FILESTAT_GET);
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), (flags & LOOKUP_SYMLINK_FOLLOW) != 0);
    Node n = existing(r);
    writeFilestat(m, ptr, n.stat(), unstable);
    return 0;
  }

  private static Node existing(Resolved r) {
    if (r.node() == null) {
      throw fail(Errno.NOENT);
    }
    if (r.trailingSlash() && !(r.node() instanceof DirectoryNode)) {
      throw fail(Errno.NOTDIR);
    }
    return r.node();
  }

  int pathFilestatSetTimes(
      WasiMemory m, int dirfd, int flags, int pathPtr, int pathLen, long atim, long mtim, int fstFlags) {
    Descriptor dir = directory(dirfd, Rights.PATH_FILESTAT_SET_TIMES);
    Long[] times = times(atim, mtim, fstFlags);
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), (flags & LOOKUP_SYMLINK_FOLLOW) != 0);
    existing(r).setTimes(times[0], times[1]);
    return 0;
  }

  int pathLink(
      WasiMemory m, int oldFd, int oldFlags, int oldPtr, int oldLen, int newFd, int newPtr, int newLen) {
    Descriptor from = directory(oldFd, Rights.PATH_LINK_SOURCE);
    Descriptor to = directory(newFd, Rights.PATH_LINK_TARGET);
    Resolved src = resolve(from.location, readPath(m, oldPtr, oldLen), (oldFlags & LOOKUP_SYMLINK_FOLLOW) != 0);
    Node n = existing(src);
    if (n instanceof DirectoryNode) {
      throw fail(Errno.PERM);
    }
    Resolved dst = resolve(to.location, readPath(m, newPtr, newLen), false);
    if (dst.node() != null || dst.name() == null) {
      throw fail(Errno.EXIST);
    }
    if (dst.trailingSlash()) {
      throw fail(Errno.NOENT);
    }
    dst.at().directory().createLink(dst.name(), n);
    return 0;
  }

  int pathReadlink(WasiMemory m, int dirfd, int pathPtr, int pathLen, int buf, int bufLen, int usedPtr) {
    Descriptor dir = directory(dirfd, Rights.PATH_READLINK);
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), false);
    Node n = existing(r);
    if (!(n instanceof SymlinkNode link)) {
      throw fail(Errno.INVAL);
    }
    byte[] target = link.target().getBytes(StandardCharsets.UTF_8);
    int n2 = Math.min(target.length, Math.max(bufLen, 0));
    m.write(buf, target, 0, n2);
    m.writeInt(usedPtr, n2);
    return 0;
  }

  int pathRemoveDirectory(WasiMemory m, int dirfd, int pathPtr, int pathLen) {
    Descriptor dir = directory(dirfd, Rights.PATH_REMOVE_DIRECTORY);
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), false);
    if (r.name() == null) {
      throw fail(r.at() == dir.location ? Errno.INVAL : Errno.NOTEMPTY);
    }
    Node n = existing(r);
    if (!(n instanceof DirectoryNode)) {
      throw fail(Errno.NOTDIR);
    }
    r.at().directory().removeDirectory(r.name());
    return 0;
  }

  int pathUnlinkFile(WasiMemory m, int dirfd, int pathPtr, int pathLen) {
    Descriptor dir = directory(dirfd, Rights.PATH_UNLINK_FILE);
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), false);
    if (r.name() == null || r.node() instanceof DirectoryNode) {
      throw fail(Errno.ISDIR);
    }
    existing(r);
    r.at().directory().removeFile(r.name());
    return 0;
  }

  int pathRename(WasiMemory m, int oldFd, int oldPtr, int oldLen, int newFd, int newPtr, int newLen) {
    Descriptor from = directory(oldFd, Rights.PATH_RENAME_SOURCE);
    Descriptor to = directory(newFd, Rights.PATH_RENAME_TARGET);
    Resolved src = resolve(from.location, readPath(m, oldPtr, oldLen), false);
    Resolved dst = resolve(to.location, readPath(m, newPtr, newLen), false);
    if (src.name() == null || dst.name() == null) {
      throw fail(Errno.BUSY);
    }
    Node n = src.node();
    if (n == null) {
      throw fail(Errno.NOENT);
    }
    boolean isDir = n instanceof DirectoryNode;
    if (!isDir && (src.trailingSlash() || dst.trailingSlash())) {
      throw fail(Errno.NOTDIR);
    }
    if (dst.node() != null) {
      boolean targetDir = dst.node() instanceof DirectoryNode;
      if (isDir && !targetDir) {
        throw fail(Errno.NOTDIR);
      }
      if (!isDir && targetDir) {
        throw fail(Errno.ISDIR);
      }
    }
    if (isDir && isWithin(dst.at(), (DirectoryNode) n)) {
      throw fail(Errno.INVAL);
    }
    src.at().directory().rename(src.name(), dst.at().directory(), dst.name());
    return 0;
  }

  private static boolean isWithin(Location loc, DirectoryNode dir) {
    for (Location l = loc; l != null; l = l.parent()) {
      if (l.directory() == dir) {
        return true;
      }
    }
    return false;
  }

  int pathSymlink(WasiMemory m, int targetPtr, int targetLen, int dirfd, int pathPtr, int pathLen) {
    Descriptor dir = directory(dirfd, Rights.PATH_SYMLINK);
    String target = readPath(m, targetPtr, targetLen);
    if (target.isEmpty()) {
      throw fail(Errno.NOENT);
    }
    Resolved r = resolve(dir.location, readPath(m, pathPtr, pathLen), false);
    if (r.node() != null || r.name() == null) {
      throw fail(Errno.EXIST);
    }
    if (r.trailingSlash()) {
      throw fail(Errno.NOENT);
    }
    r.at().directory().createSymlink(r.name(), target);
    return 0;
  }

  // ---- poll ---------------------------------------------------------------------------------------------

  int pollOneoff(WasiMemory m, int in, int out, int count, int neventsPtr, boolean unstable) {
    if (count <= 0 || count > MAX_SUBSCRIPTIONS) {
      throw fail(Errno.INVAL);
    }
    int size = unstable ? 56 : 48;
    checkRange(m, in, (long) count * size);
    checkRange(m, out, (long) count * 32);
    checkRange(m, neventsPtr, 4);
    long[] userdata = new long[count];
    int[] tags = new int[count];
    long[] deadlines = new long[count];
    int[] fds = new int[count];
    long now = System.nanoTime() - MONOTONIC_ORIGIN;
    long earliest = Long.MAX_VALUE;
    for (int i = 0; i < count; i++) {
      int s = in + i * size;
      userdata[i] = m.readLong(s);
      tags[i] = m.readByte(s + 8) & 0xff;
      if (tags[i] == 0) {
        int c = unstable ? 24 : 16;
        int clock = m.readInt(s + c);
        long timeout = m.readLong(s + c + 8);
        boolean absolute = (m.readLong(s + c + 24) & 1) != 0;
        long deadline;
        if (clock < 0 || clock > 3) {
          deadline = -1; // reported as an error event
        } else if (timeout < 0) {
          deadline = Long.MAX_VALUE; // a u64 past 2^63 ns: never, relative or absolute
        } else if (!absolute) {
          deadline = saturatingAdd(now, timeout);
        } else if (clock == 1) {
          deadline = timeout; // at or before now: due at once
        } else {
          deadline = saturatingAdd(now, Math.max(0, timeout - now(clock)));
        }
        deadlines[i] = deadline;
        if (deadline >= 0) {
          earliest = Math.min(earliest, deadline);
        }
      } else if (tags[i] == 1 || tags[i] == 2) {
        fds[i] = m.readInt(s + 16);
      } else {
        throw fail(Errno.INVAL);
      }
    }
    while (true) {
      int n = 0;
      boolean waitingOnStream = false;
      now = System.nanoTime() - MONOTONIC_ORIGIN;
      for (int i = 0; i < count; i++) {
        int e = out + n * 32;
        if (tags[i] == 0) {
          if (deadlines[i] < 0) {
            writeEvent(m, e, userdata[i], Errno.INVAL, 0, 0);
            n++;
          } else if (deadlines[i] <= now) {
            writeEvent(m, e, userdata[i], Errno.SUCCESS, 0, 0);
            n++;
          }
          continue;
        }
        Descriptor d = fds[i] >= 0 && fds[i] <= highest ? table[fds[i]] : null;
        long right = tags[i] == 1 ? Rights.FD_READ : Rights.FD_WRITE;
        if (d == null || d.isDirectory()) {
          writeEvent(m, e, userdata[i], Errno.BADF, tags[i], 0);
          n++;
        } else if ((d.rightsBase & (right | Rights.POLL_FD_READWRITE)) == 0) {
          writeEvent(m, e, userdata[i], Errno.NOTCAPABLE, tags[i], 0);
          n++;
        } else if (tags[i] == 2) {
          writeEvent(m, e, userdata[i], Errno.SUCCESS, 2, 0);
          n++;
        } else {
          long available = available(d);
          if (available != 0 || earliest == Long.MAX_VALUE || !d.file.seekable() && available < 0) {
            writeEvent(m, e, userdata[i], Errno.SUCCESS, 1, Math.max(available, 0));
            n++;
          } else {
            waitingOnStream = true;
          }
        }
      }
      if (n > 0) {
        m.writeInt(neventsPtr, n);
        return 0;
      }
      long wait = earliest - now;
      if (waitingOnStream) {
        wait = Math.min(wait, 5_000_000L);
      }
      try {
        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
      } catch (InterruptedException e) {
        // The call's deadline (or the application) interrupted the guest thread: end the call, do not let the
        // guest carry on with EINTR as though nothing happened.
        Thread.currentThread().interrupt();
        throw new Interrupted();
      }
    }
  }

  /** Bytes readable without blocking: for files what lies past the position; for streams -1 when unknown. */
  private static long available(Descriptor d) {
    if (d.file.seekable()) {
      return Math.max(0, d.file.size() - d.position);
    }
    return d.file.available();
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static void writeEvent(WasiMemory m, int at, long userdata, Errno errno, int type, long nbytes) {
    m.writeLong(at, userdata);
    m.writeShort(at + 8, (short) errno.code());
    m.writeByte(at + 10, (byte) type);
    m.writeByte(at + 11, (byte) 0);
    m.writeInt(at + 12, 0);
    m.writeLong(at + 16, nbytes);
    m.writeLong(at + 24, 0);
  }
}
