package dev.terrarium.host.cache;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.PluginLoadException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A precompiled plugin: a module, its compiled classes ({@link StoredModule}, which names the configuration it was
 * compiled for), and an Ed25519 signature over both by the key of whoever compiled it.
 *
 * <pre>
 * "terrarium-precompiled-1\n"
 * int length, body:       int length, module bytes; int length, StoredModule
 * int length, signer's public key (X.509)
 * int length, Ed25519 signature of the magic and the body
 * </pre>
 *
 * <p>Its classes run inside the host's JVM, so a host accepts one only when a key it trusts signed it; {@link
 * #read} refuses everything else with one {@link PluginLoadException} ({@link ErrorCode#LOAD_PRECOMPILED}).
 *
 * @param module the module's own bytes
 * @param stored its compiled classes and the configuration they were compiled for
 */
public record Precompiled(byte[] module, StoredModule stored) {
  private static final byte[] MAGIC = "terrarium-precompiled-1\n".getBytes(StandardCharsets.US_ASCII);
  private static final String ALGORITHM = "Ed25519";

  public Precompiled {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(stored, "stored");
  }

  /** Returns whether {@code bytes} start like a precompiled plugin (and not like a WebAssembly module). */
  public static boolean isPrecompiled(byte[] bytes) {
    return bytes.length >= MAGIC.length && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  /** Returns the signed file: this plugin signed with {@code signer}'s private key. */
  public byte[] sign(KeyPair signer) {
    Objects.requireNonNull(signer, "signer");
    byte[] body = body();
    byte[] key = signer.getPublic().getEncoded();
    byte[] signature;
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(signer.getPrivate());
      s.update(MAGIC);
      s.update(body);
      signature = s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key (an " + ALGORITHM + " key pair is needed): " + e, e);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + 256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      block(out, body);
      block(out, key);
      block(out, signature);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private byte[] body() {
    byte[] storedBytes = stored.encode();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(module.length + storedBytes.length + 16);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block(out, module);
      block(out, storedBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void block(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  /**
   * Reads a precompiled plugin, accepting it only when it is whole, signed by one of {@code trusted}, and unchanged
   * since.
   *
   * @throws PluginLoadException ({@link ErrorCode#LOAD_PRECOMPILED}) naming what is wrong
   */
  public static Precompiled read(byte[] file, List<PublicKey> trusted, String pluginId) {
    if (!isPrecompiled(file)) {
      throw refused(pluginId, "the file is not a precompiled plugin (it does not start with its magic)");
    }
    byte[] body;
    byte[] key;
    byte[] signature;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file))) {
      in.skipNBytes(MAGIC.length);
      body = readBlock(in, file.length);
      key = readBlock(in, file.length);
      signature = readBlock(in, file.length);
      if (in.read() != -1) {
        throw refused(pluginId, "the file has bytes after its signature");
      }
    } catch (EOFException | IllegalArgumentException e) {
      throw refused(pluginId, "the file is truncated or damaged");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (key.length == 0 || signature.length == 0) {
      throw refused(pluginId, "it is not signed");
    }
    PublicKey signer = null;
    for (PublicKey k : trusted) {
      if (Arrays.equals(k.getEncoded(), key)) {
        signer = k;
      }
    }
    if (signer == null) {
      throw refused(
          pluginId,
          "it is signed by a key this host does not trust (" + fingerprint(key) + "). Trust that key with"
              + " PluginHost.Builder.trustPrecompiled(key), or precompile the module with a key the host trusts"
              + " (terrarium compile, as the user whose key the host trusts by default)");
    }
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(signer);
      s.update(MAGIC);
      s.update(body);
      if (!s.verify(signature)) {
        throw refused(pluginId, "its signature does not match its content: it was changed after it was signed");
      }
    } catch (GeneralSecurityException e) {
      throw refused(pluginId, "its signature cannot be checked: " + e.getMessage());
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      byte[] module = readBlock(in, body.length);
      StoredModule stored = StoredModule.decode(readBlock(in, body.length));
      return new Precompiled(module, stored);
    } catch (IOException | IllegalArgumentException e) {
      throw refused(pluginId, "its signed content is not a precompiled plugin of this format (" + e.getMessage() + ")");
    }
  }

  /**
   * Returns the module inside a precompiled plugin without checking its signature, to describe it (never to run
   * it: its classes are not read).
   *
   * @throws PluginLoadException ({@link ErrorCode#LOAD_PRECOMPILED}) when the file is damaged
   */
  public static byte[] unverifiedModule(byte[] file, String pluginId) {
    if (!isPrecompiled(file)) {
      throw refused(pluginId, "the file is not a precompiled plugin (it does not start with its magic)");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file))) {
      in.skipNBytes(MAGIC.length);
      byte[] body = readBlock(in, file.length);
      try (DataInputStream b = new DataInputStream(new ByteArrayInputStream(body))) {
        return readBlock(b, body.length);
      }
    } catch (EOFException | IllegalArgumentException e) {
      throw refused(pluginId, "the file is truncated or damaged");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns {@code sha256:} and the first 16 hex digits of the SHA-256 of an encoded public key. */
  public static String fingerprint(byte[] encodedKey) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(encodedKey);
      return "sha256:" + HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads an X.509-encoded Ed25519 public key. */
  public static PublicKey publicKey(byte[] encoded) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(encoded));
  }

  private static byte[] readBlock(DataInputStream in, int total) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > total) {
      throw new IllegalArgumentException("a block claims " + length + " bytes of " + total);
    }
    byte[] b = in.readNBytes(length);
    if (b.length != length) {
      throw new EOFException();
    }
    return b;
  }

  private static PluginLoadException refused(String pluginId, String why) {
    return new PluginLoadException(
        ErrorCode.LOAD_PRECOMPILED, pluginId, "the precompiled plugin is refused: " + why + ".", null);
  }
}
