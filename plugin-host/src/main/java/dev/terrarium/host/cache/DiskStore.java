package dev.terrarium.host.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Authenticated entries in a directory, the storage under the persistent compiled-module cache (issue 13). An
 * entry is code that will run inside the host's JVM, so the store trusts nothing it did not write itself:
 *
 * <ul>
 *   <li>every entry carries an HMAC-SHA256 of its name and content under a key kept outside the directory (a
 *       file of 32 random bytes, made owner-only on first use); an entry written without that key (another
 *       installation, another user, a hand edit) is refused;
 *   <li>the directory is made owner-only, and a directory that others can read or write is refused;
 *   <li>entries are written to a temporary file and moved into place atomically, so that readers never see half
 *       an entry and processes writing the same entry at once are safe (the last move wins; both wrote the same
 *       thing);
 *   <li>an entry that is corrupt, truncated or not authentic is ignored with a warning and deleted, and the
 *       caller compiles again.
 * </ul>
 *
 * <p>Names are lowercase hex of 16 to 128 digits (a hash of what the entry holds), so they can never reach
 * outside the directory. Thread-safe; several processes may share a directory and key.
 */
public final class DiskStore {
  private static final System.Logger LOG = System.getLogger("dev.terrarium.host.cache");
  private static final byte[] MAGIC = "terrarium-cache-1\n".getBytes(StandardCharsets.US_ASCII);
  private static final int MAC_BYTES = 32;
  private static final Pattern NAME = Pattern.compile("[0-9a-f]{16,128}");
  private static final String SUFFIX = ".entry";
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

  private final Path directory;
  private final HmacSha256 mac;

  private DiskStore(Path directory, byte[] key) {
    this.directory = directory;
    this.mac = new HmacSha256(key);
  }

  /**
   * Opens (creating them when missing) the store in {@code directory}, authenticated with the key in {@code
   * keyFile}.
   *
   * @throws IllegalArgumentException when the key file lies inside the directory, or is not a key
   * @throws IllegalStateException when the directory or key file is readable or writable by others, is not a
   *     directory or regular file, or cannot be created
   */
  public static DiskStore open(Path directory, Path keyFile) {
    Path dir = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
    Path keyPath = Objects.requireNonNull(keyFile, "keyFile").toAbsolutePath().normalize();
    if (keyPath.startsWith(dir)) {
      throw new IllegalArgumentException(
          "the cache key " + keyPath + " must be kept outside the cache directory " + dir
              + ": whoever can write entries must not be able to read the key that signs them");
    }
    try {
      ensureOwnerOnlyDirectory(dir);
      return new DiskStore(dir, readOrCreateKey(keyPath));
    } catch (IOException e) {
      throw new IllegalStateException("cannot open the cache in " + dir + ": " + e, e);
    }
  }

  /** Returns the directory the entries are in. */
  public Path directory() {
    return directory;
  }

  /**
   * Returns the content of entry {@code name}, or {@code null} when there is none, or when it is not authentic,
   * corrupt or truncated (then it is deleted, with a warning).
   */
  public byte[] get(String name) {
    Path file = entry(name);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cache entry " + file + " could not be read (" + e + "); compiling again");
      return null;
    }
    int header = MAGIC.length + MAC_BYTES;
    String problem = null;
    if (bytes.length < header || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      problem = "is truncated or not a cache entry";
    } else {
      byte[] mac = Arrays.copyOfRange(bytes, MAGIC.length, header);
      byte[] content = Arrays.copyOfRange(bytes, header, bytes.length);
      if (MessageDigest.isEqual(mac, mac(name, content))) {
        return content;
      }
      problem = "is not authentic (written by another installation, changed, or truncated)";
    }
    LOG.log(System.Logger.Level.WARNING, "cache entry " + file + " " + problem + "; ignoring it and compiling again");
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // it stays refused on every read
    }
    return null;
  }

  /**
   * Stores {@code content} as entry {@code name}, atomically: readers see the old entry or the new one, never
   * part of one. Failing to write is logged and ignored (the cache is an optimisation).
   */
  public void put(String name, byte[] content) {
    Path file = entry(name);
    Objects.requireNonNull(content, "content");
    Path temp = null;
    try {
      temp = Files.createTempFile(directory, name + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
      ByteBuffer[] parts = {ByteBuffer.wrap(MAGIC), ByteBuffer.wrap(mac(name, content)), ByteBuffer.wrap(content)};
      try (var channel = java.nio.channels.FileChannel.open(temp, StandardOpenOption.WRITE)) {
        while (parts[2].hasRemaining()) {
          channel.write(parts);
        }
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + directory + " cannot move files atomically", e);
      }
      temp = null;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cache entry " + file + " could not be written: " + e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // a stray temporary file is never read as an entry
        }
      }
    }
  }

  /** Deletes entry {@code name}, if there is one (for an entry that is authentic but cannot be used). */
  public void remove(String name) {
    Path file = entry(name);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cache entry " + file + " could not be deleted: " + e);
    }
  }

  /**
   * Returns whether there is an entry {@code name}, without reading or checking it (a later {@link #get} may still
   * find it corrupt or not authentic).
   */
  public boolean contains(String name) {
    return Files.isRegularFile(entry(name), LinkOption.NOFOLLOW_LINKS);
  }

  private Path entry(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "cache entry name '" + name + "' is not 16 to 128 lowercase hex digits");
    }
    return directory.resolve(name + SUFFIX);
  }

  private byte[] mac(String name, byte[] content) {
    return mac.mac(name.getBytes(StandardCharsets.US_ASCII), new byte[] {0}, content);
  }

  private static void ensureOwnerOnlyDirectory(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
      } catch (FileAlreadyExistsException raced) {
        // another process made it: checked below like any existing directory
      }
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException("the cache directory " + dir + " is not a directory (or is a symbolic link)");
    }
    checkOwnerOnly(dir, OWNER_ONLY_DIR);
  }

  static void checkOwnerOnly(Path path, Set<PosixFilePermission> allowed) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return; // not a POSIX file system: nothing to check
    }
    var attributes = view.readAttributes();
    String me = System.getProperty("user.name");
    if (me != null && !attributes.owner().getName().equals(me)) {
      throw new IllegalStateException(path + " belongs to " + attributes.owner().getName() + ", not to " + me);
    }
    for (PosixFilePermission p : attributes.permissions()) {
      if (!allowed.contains(p)) {
        throw new IllegalStateException(
            path + " is " + PosixFilePermissions.toString(attributes.permissions())
                + ": others may read or change it; make it owner-only (chmod "
                + (allowed == OWNER_ONLY_DIR ? "700" : "600") + ") or choose another");
      }
    }
  }

  private static byte[] readOrCreateKey(Path keyFile) throws IOException {
    if (!Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(keyFile.getParent());
      byte[] fresh = new byte[32];
      new SecureRandom().nextBytes(fresh);
      Path temp = Files.createTempFile(keyFile.getParent(), ".terrarium-key.", ".tmp",
          PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
      try {
        Files.write(temp, fresh);
        try {
          // First writer wins (a hard link is never made over an existing file): a process that made a key at the
          // same moment uses the one in place.
          Files.createLink(keyFile, temp);
        } catch (FileAlreadyExistsException raced) {
          // fall through to read it
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    }
    if (!Files.isRegularFile(keyFile, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException("the cache key " + keyFile + " is not a regular file");
    }
    checkOwnerOnly(keyFile, OWNER_ONLY_FILE);
    byte[] key = Files.readAllBytes(keyFile);
    if (key.length != 32) {
      throw new IllegalArgumentException(
          "the cache key " + keyFile + " holds " + key.length + " bytes, not 32; delete it to make a new one");
    }
    return key;
  }
}
