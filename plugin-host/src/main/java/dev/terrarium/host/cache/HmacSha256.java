package dev.terrarium.host.cache;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) of a cache entry, computed with two SHA-256 digests.
 *
 * <p>The result is byte for byte that of {@code javax.crypto.Mac.getInstance("HmacSHA256")}
 * (HmacSha256Test checks it), so entries written with either are read by both. It does not go through
 * {@code javax.crypto} because the first {@code Mac} of a process sets up the JCE framework, which reads and parses
 * the JDK's cryptographic policy files: 11-17 ms of every command-line run that loads a small plugin from the
 * cache's directory (docs/performance.md, "Compile once, ever"), against under a millisecond for the two digests. The
 * module's SHA-256, which every load computes, has already set up the digest.
 */
final class HmacSha256 {
  /** SHA-256's block size: a key is padded to it. */
  private static final int BLOCK = 64;

  private final byte[] innerPad = new byte[BLOCK];
  private final byte[] outerPad = new byte[BLOCK];

  /**
   * Keys the MAC with {@code key}, at most one block long (the cache's keys are 32 bytes).
   *
   * @throws IllegalArgumentException when the key is empty or longer than 64 bytes
   */
  HmacSha256(byte[] key) {
    if (key.length == 0 || key.length > BLOCK) {
      throw new IllegalArgumentException("an HMAC-SHA256 key here is 1 to 64 bytes, this one is " + key.length);
    }
    for (int i = 0; i < BLOCK; i++) {
      byte k = i < key.length ? key[i] : 0;
      innerPad[i] = (byte) (k ^ 0x36);
      outerPad[i] = (byte) (k ^ 0x5c);
    }
  }

  /** Returns the 32-byte MAC of the concatenation of {@code parts}. Thread-safe. */
  byte[] mac(byte[]... parts) {
    MessageDigest d = sha256();
    d.update(innerPad);
    for (byte[] p : parts) {
      d.update(p);
    }
    byte[] inner = d.digest();
    d.update(outerPad);
    d.update(inner);
    return d.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
