package dev.terrarium.host.wasi;

import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.ProvidedFiles;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A guest played from Java: a little-endian memory checked as the engine's is, and a {@link Wasi} whose functions
 * are called by name the way the engine calls them. For attacks that are simpler to write without a wasm fixture.
 */
final class Guest implements AutoCloseable {
  static final long ALL_RIGHTS = Rights.ALL;
  static final int O_CREAT = 1;
  static final int O_DIRECTORY = 2;
  static final int O_EXCL = 4;
  static final int O_TRUNC = 8;
  static final int FOLLOW = 1;

  final Memory memory;
  final Wasi wasi;
  /** Where {@link #str} puts the next string: the low 64 KiB of memory are the guest's scratch space. */
  private int next = 1024;

  private Guest(Memory memory, Wasi wasi) {
    this.memory = memory;
    this.wasi = wasi;
  }

  /** A guest with {@code memoryBytes} of memory and the given pre-opens from descriptor 3 on. */
  static Guest with(int memoryBytes, List<WasiSetup.Preopen> preopens) {
    WasiSetup setup =
        new WasiSetup(
            List.of("guest"),
            Map.of(),
            ProvidedFiles.input(new ByteArrayInputStream(new byte[0])),
            ProvidedFiles.output(OutputStream.nullOutputStream()),
            ProvidedFiles.output(OutputStream.nullOutputStream()),
            preopens,
            1L,
            null);
    return new Guest(new Memory(memoryBytes), new Wasi(setup));
  }

  static Guest with(DirectoryNode dir, boolean readOnly) {
    return with(1 << 20, List.of(new WasiSetup.Preopen("/m", dir, readOnly)));
  }

  /** Calls a {@code wasi_snapshot_preview1} function; returns its errno. */
  Errno call(String name, long... args) {
    long[] r = WasiFunctions.lookup(WasiFunctions.PREVIEW1, name).call(wasi, memory, args);
    return Errno.of((int) r[0]);
  }

  /** Puts {@code s} (UTF-8) in memory and returns {pointer, length}. */
  long[] str(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  long[] bytes(byte[] b) {
    if (next + b.length > 60 * 1024) {
      next = 1024;
    }
    int at = next;
    memory.write(at, b, 0, b.length);
    next += b.length + 8;
    return new long[] {at, b.length};
  }

  /** path_open from {@code dirfd}; returns the new descriptor, or the negated errno. */
  int open(int dirfd, String path, int lookup, int oflags, long base, int fdflags) {
    long[] p = str(path);
    Errno e = call("path_open", dirfd, lookup, p[0], p[1], oflags, base, ALL_RIGHTS, fdflags, 0);
    return e == Errno.SUCCESS ? memory.readInt(0) : -e.code();
  }

  Errno openErrno(int dirfd, String path, int lookup, int oflags, long base) {
    int r = open(dirfd, path, lookup, oflags, base, 0);
    return r >= 0 ? Errno.SUCCESS : Errno.of(-r);
  }

  /** Calls a function taking (fd, path pointer, path length). */
  Errno pathCall(String name, int fd, String path) {
    long[] p = str(path);
    return call(name, fd, p[0], p[1]);
  }

  Errno symlink(String target, int fd, String path) {
    long[] t = str(target);
    long[] p = str(path);
    return call("path_symlink", t[0], t[1], fd, p[0], p[1]);
  }

  Errno link(int fromFd, int flags, String from, int toFd, String to) {
    long[] a = str(from);
    long[] b = str(to);
    return call("path_link", fromFd, flags, a[0], a[1], toFd, b[0], b[1]);
  }

  Errno rename(int fromFd, String from, int toFd, String to) {
    long[] a = str(from);
    long[] b = str(to);
    return call("path_rename", fromFd, a[0], a[1], toFd, b[0], b[1]);
  }

  /** Writes {@code data} to {@code fd} at {@code offset} (fd_pwrite). */
  Errno pwrite(int fd, byte[] data, long offset) {
    long[] b = bytes(data);
    memory.writeInt(16, (int) b[0]);
    memory.writeInt(20, (int) b[1]);
    return call("fd_pwrite", fd, 16, 1, offset, 24);
  }

  Errno write(int fd, byte[] data) {
    long[] b = bytes(data);
    memory.writeInt(16, (int) b[0]);
    memory.writeInt(20, (int) b[1]);
    return call("fd_write", fd, 16, 1, 24);
  }

  /** The names fd_readdir lists for {@code fd}, without {@code .} and {@code ..}. */
  List<String> list(int fd) {
    int buf = 64 * 1024;
    int len = 64 * 1024;
    Errno e = call("fd_readdir", fd, buf, len, 0, 8);
    if (e != Errno.SUCCESS) {
      throw new AssertionError("fd_readdir: " + e);
    }
    int used = memory.readInt(8);
    List<String> names = new ArrayList<>();
    int at = buf;
    while (at + 24 <= buf + used) {
      int n = memory.readInt(at + 16);
      String name = new String(memory.read(at + 24, n), StandardCharsets.UTF_8);
      if (!name.equals(".") && !name.equals("..")) {
        names.add(name);
      }
      at += 24 + n;
    }
    return names;
  }

  @Override
  public void close() {
    wasi.close();
  }

  /** Guest memory: every access checked against its size, as the engine's is. */
  static final class Memory implements WasiMemory {
    private final ByteBuffer buf;

    Memory(int size) {
      this.buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long size() {
      return buf.capacity();
    }

    private int at(int address, int length) {
      if (length < 0 || Integer.toUnsignedLong(address) + length > size()) {
        throw WasiMemory.fault();
      }
      return address;
    }

    @Override
    public byte readByte(int address) {
      return buf.get(at(address, 1));
    }

    @Override
    public int readInt(int address) {
      return buf.getInt(at(address, 4));
    }

    @Override
    public long readLong(int address) {
      return buf.getLong(at(address, 8));
    }

    @Override
    public void writeByte(int address, byte value) {
      buf.put(at(address, 1), value);
    }

    @Override
    public void writeShort(int address, short value) {
      buf.putShort(at(address, 2), value);
    }

    @Override
    public void writeInt(int address, int value) {
      buf.putInt(at(address, 4), value);
    }

    @Override
    public void writeLong(int address, long value) {
      buf.putLong(at(address, 8), value);
    }

    @Override
    public byte[] read(int address, int length) {
      byte[] b = new byte[length];
      buf.get(at(address, length), b, 0, length);
      return b;
    }

    @Override
    public void write(int address, byte[] src, int offset, int length) {
      buf.put(at(address, length), src, offset, length);
    }
  }
}
