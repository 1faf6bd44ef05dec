package dev.terrarium.host.cache;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;

/**
 * A per-user Ed25519 key pair that signs precompiled plugins: the private key (PKCS#8, owner-only) in {@code
 * precompile.key} and the public key (X.509) in {@code precompile.pub}, in one directory (by default the one of
 * the cache key).
 */
public final class SigningKeys {
  private static final String PRIVATE = "precompile.key";
  private static final String PUBLIC = "precompile.pub";

  private SigningKeys() {}

  /**
   * Returns the key pair in {@code directory}, making it (owner-only) when there is none.
   *
   * @throws IllegalStateException when it cannot be read or made, or others may read or change the private key
   */
  public static KeyPair userKeyPair(Path directory) {
    Path privateFile = directory.resolve(PRIVATE);
    Path publicFile = directory.resolve(PUBLIC);
    try {
      if (!Files.exists(privateFile, LinkOption.NOFOLLOW_LINKS)) {
        create(directory, privateFile, publicFile);
      }
      if (!Files.isRegularFile(privateFile, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalStateException("the signing key " + privateFile + " is not a regular file");
      }
      DiskStore.checkOwnerOnly(privateFile, DiskStore.OWNER_ONLY_FILE);
      KeyFactory f = KeyFactory.getInstance("Ed25519");
      var privateKey = f.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privateFile)));
      PublicKey publicKey = Precompiled.publicKey(Files.readAllBytes(publicFile));
      return new KeyPair(publicKey, privateKey);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read or make the signing key in " + directory + ": " + e, e);
    }
  }

  /** Returns the public key in {@code directory}, or {@code null} when there is none (or it is unreadable). */
  public static PublicKey userPublicKey(Path directory) {
    Path publicFile = directory.resolve(PUBLIC);
    if (!Files.isRegularFile(publicFile, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      return Precompiled.publicKey(Files.readAllBytes(publicFile));
    } catch (IOException | GeneralSecurityException e) {
      System.getLogger("dev.terrarium.host.cache")
          .log(System.Logger.Level.WARNING, "the public key " + publicFile + " cannot be read: " + e);
      return null;
    }
  }

  private static void create(Path directory, Path privateFile, Path publicFile)
      throws IOException, GeneralSecurityException {
    Files.createDirectories(directory);
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path temp =
        Files.createTempFile(directory, ".precompile.", ".tmp", PosixFilePermissions.asFileAttribute(DiskStore.OWNER_ONLY_FILE));
    Path tempPublic = Files.createTempFile(directory, ".precompile.", ".pub.tmp");
    try {
      Files.write(temp, pair.getPrivate().getEncoded());
      Files.write(tempPublic, pair.getPublic().getEncoded());
      try {
        Files.createLink(privateFile, temp); // first writer wins: never replaces a key pair in place
        Files.move(tempPublic, publicFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException raced) {
        // another process made the pair at the same moment: use the one in place
      }
    } finally {
      Files.deleteIfExists(temp);
      Files.deleteIfExists(tempPublic);
    }
  }
}
