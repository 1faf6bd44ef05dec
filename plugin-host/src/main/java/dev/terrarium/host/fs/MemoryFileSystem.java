package dev.terrarium.host.fs;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Feature;
import com.google.common.jimfs.FileTimeSource;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory file system, one per tenant, with exact quotas.
 *
 * <pre>{@code
 * try (MemoryFileSystem fs = MemoryFileSystem.builder().maxBytes(16 << 20).maxEntries(10_000).build()) {
 *   DirectoryNode root = fs.root();
 *   ...
 * }
 * }</pre>
 *
 * <h2>Quotas</h2>
 * <ul>
 *   <li><b>Bytes</b> are the sum of the sizes of the distinct regular files: a file with several hard links counts
 *       once; directories and symbolic links count nothing. A file whose last name is removed while it is still
 *       open keeps its bytes until its last open file closes, as POSIX keeps its blocks.
 *   <li><b>Entries</b> are the directory entries created: files, directories, symbolic links and hard links. The
 *       root does not count.
 * </ul>
 * A write, truncate or create that would pass a quota fails with {@link FsError#DQUOT} and changes nothing: no
 * byte is written and the counters stay as they were. Removing entries and shrinking files give quota back. The
 * counters are kept exactly, not rounded to blocks.
 *
 * <h2>Filling it from the host</h2>
 * {@link #path(String)} gives the backing {@link Path} so the host can use {@link Files} to put files in before a
 * plugin runs. Such changes bypass the accounting: call {@link #recount()} afterwards to count them. A tree
 * bigger than the quota is allowed this way; the plugin then cannot grow it until it frees enough.
 *
 * <p>Symbolic links may hold any target, absolute ones included: nothing lies outside a memory file system, and the
 * file system never follows a link (the WASI layer resolves them within the mount).
 *
 * <p>Thread-safe. Every node of it reports the same {@link #device()}; inodes are the store's file keys. Times have
 * nanosecond resolution; a node's change time is when it was created (the store keeps no other).
 */
public final class MemoryFileSystem implements AutoCloseable {
  private static final int BLOCK_SIZE = 8192;

  private final FileSystem jimfs;
  private final Usage usage;
  private final PathFs fs;
  private final long device;

  private MemoryFileSystem(Builder b) {
    this.device = Devices.newDevice();
    Configuration config =
        Configuration.unix().toBuilder()
            .setSupportedFeatures(
                Feature.LINKS, Feature.SYMBOLIC_LINKS, Feature.FILE_CHANNEL, Feature.SECURE_DIRECTORY_STREAM)
            .setAttributeViews("basic", "unix")
            .setWorkingDirectory("/")
            .setFileTimeSource(new NanoTimeSource())
            .setBlockSize(BLOCK_SIZE)
            // The quota is ours and exact; the store's own limit is only as high as it can count.
            .setMaxSize((long) Integer.MAX_VALUE * BLOCK_SIZE)
            // Freed blocks go back to the garbage collector, not to a cache that would hold a tenant's peak.
            .setMaxCacheSize(0)
            .build();
    this.jimfs = Jimfs.newFileSystem("terrarium-" + Long.toHexString(device), config);
    this.usage = new Usage(b.maxBytes, b.maxEntries);
    this.fs = new PathFs(jimfs.getPath("/"), false, false, device, usage);
  }

  /**
   * The byte quota when none is set: 64 MiB. Everything a memory file system holds is on the Java heap, and a
   * write past the end of a file fills the gap with real zeros, so an unbounded one would let a guest exhaust
   * the host's heap with a single write at a large offset. Raise it deliberately, within the heap.
   */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;

  /** The entry quota when none is set: 10 000 names. */
  public static final long DEFAULT_MAX_ENTRIES = 10_000;

  /**
   * Starts a builder; quotas not set are {@link #DEFAULT_MAX_BYTES} and {@link #DEFAULT_MAX_ENTRIES}
   * ({@code Long.MAX_VALUE} makes one unlimited).
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a new memory file system with the default quotas. */
  public static MemoryFileSystem create() {
    return builder().build();
  }

  /** Returns its root directory. */
  public DirectoryNode root() {
    return fs.rootDirectory();
  }

  /**
   * Returns the backing path for {@code absolutePath} (e.g. {@code /etc/config.json}), to fill the file system
   * with {@link Files}. Call {@link #recount()} after changing it this way.
   *
   * @throws IllegalArgumentException when the path is not absolute
   */
  public Path path(String absolutePath) {
    if (absolutePath == null || !absolutePath.startsWith("/")) {
      throw new IllegalArgumentException("a memory file system path must be absolute, was '" + absolutePath + "'");
    }
    return jimfs.getPath(absolutePath);
  }

  /**
   * Counts the whole tree again, so that changes made through {@link #path(String)} count against the quotas.
   *
   * @throws FsException when the tree cannot be read (for example after {@link #close()})
   */
  public void recount() {
    synchronized (usage) {
      Errors.io(
          () -> {
            Set<Object> seen = new HashSet<>();
            long[] totals = new long[2]; // bytes, entries
            Path root = jimfs.getPath("/");
            Files.walkFileTree(
                root,
                new SimpleFileVisitor<>() {
                  @Override
                  public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(root)) {
                      totals[1]++;
                    }
                    return FileVisitResult.CONTINUE;
                  }

                  @Override
                  public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    totals[1]++;
                    if (attrs.isRegularFile() && seen.add(attrs.fileKey())) {
                      totals[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                  }
                });
            usage.reset(totals[0], totals[1]);
          });
    }
  }

  /** Bytes in use: the sizes of the distinct regular files (see the class comment). */
  public long usedBytes() {
    return usage.bytes();
  }

  /** Directory entries in use, the root not counted. */
  public long usedEntries() {
    return usage.entries();
  }

  /** The byte quota; {@link Long#MAX_VALUE} when explicitly unlimited. */
  public long maxBytes() {
    return usage.maxBytes;
  }

  /** The entry quota; {@link Long#MAX_VALUE} when explicitly unlimited. */
  public long maxEntries() {
    return usage.maxEntries;
  }

  /** The device number every node of it reports, distinct from every other memory file system's. */
  public long device() {
    return device;
  }

  /** Frees its content; later operations on its nodes fail with {@link FsError#BADF}. */
  @Override
  public void close() {
    Errors.io(jimfs::close);
  }

  @Override
  public String toString() {
    return "MemoryFileSystem[device=" + Long.toHexString(device) + ", bytes=" + usedBytes() + "/" + maxBytes()
        + ", entries=" + usedEntries() + "/" + maxEntries() + "]";
  }

  /** Sets the quotas of a {@link MemoryFileSystem}. */
  public static final class Builder {
    private long maxBytes = DEFAULT_MAX_BYTES;
    private long maxEntries = DEFAULT_MAX_ENTRIES;
    private boolean maxBytesSet;
    private boolean maxEntriesSet;

    private Builder() {}

    /** Caps the bytes of all regular files together (hard links counted once). */
    public Builder maxBytes(long maxBytes) {
      if (maxBytesSet) {
        throw new IllegalStateException("maxBytes was already set to " + this.maxBytes);
      }
      if (maxBytes < 0) {
        throw new IllegalArgumentException("maxBytes must not be negative, was " + maxBytes);
      }
      this.maxBytes = maxBytes;
      this.maxBytesSet = true;
      return this;
    }

    /** Caps the number of directory entries (files, directories, symbolic links, hard links). */
    public Builder maxEntries(long maxEntries) {
      if (maxEntriesSet) {
        throw new IllegalStateException("maxEntries was already set to " + this.maxEntries);
      }
      if (maxEntries < 0) {
        throw new IllegalArgumentException("maxEntries must not be negative, was " + maxEntries);
      }
      this.maxEntries = maxEntries;
      this.maxEntriesSet = true;
      return this;
    }

    public MemoryFileSystem build() {
      return new MemoryFileSystem(this);
    }
  }

  /**
   * File times with nanosecond resolution: the wall clock read once, advanced by {@link System#nanoTime()}, so
   * times never go backwards and two changes a microsecond apart still differ.
   */
  private static final class NanoTimeSource implements FileTimeSource {
    private final Instant base = Instant.now();
    private final long baseNanos = System.nanoTime();
    private final AtomicLong last = new AtomicLong();

    @Override
    public FileTime now() {
      long elapsed = System.nanoTime() - baseNanos;
      long stamp = last.accumulateAndGet(elapsed, Math::max);
      return FileTime.from(base.plusNanos(stamp));
    }
  }
}
