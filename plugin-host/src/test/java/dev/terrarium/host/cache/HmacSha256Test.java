package dev.terrarium.host.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's HMAC-SHA256 is the standard one: the JDK's {@code Mac} computes the same bytes. */
class HmacSha256Test {
  @TempDir Path temp;

  private static byte[] jdk(byte[] key, byte[] message) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(message);
  }

  @Test
  void rfc4231TestCase2() {
    byte[] key = "Jefe".getBytes(StandardCharsets.US_ASCII);
    byte[] data = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
    assertThat(HexFormat.of().formatHex(new HmacSha256(key).mac(data)))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }

  @Test
  void matchesTheJdksMac_forEveryKeyLengthAndMessageLengthAroundTheBlock() throws Exception {
    Random random = new Random(13);
    for (int keyLength : new int[] {1, 20, 32, 63, 64}) {
      byte[] key = new byte[keyLength];
      random.nextBytes(key);
      HmacSha256 mac = new HmacSha256(key);
      for (int length : new int[] {0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 300_000}) {
        byte[] message = new byte[length];
        random.nextBytes(message);
        byte[] expected = jdk(key, message);
        assertThat(mac.mac(message)).as("key %d bytes, message %d bytes", keyLength, length).isEqualTo(expected);
        // the same bytes given in parts, as the store gives name, separator and content
        int cut = length / 3;
        assertThat(mac.mac(
                java.util.Arrays.copyOfRange(message, 0, cut),
                new byte[0],
                java.util.Arrays.copyOfRange(message, cut, length)))
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void aKeyThatIsEmptyOrLongerThanABlockIsRefused() {
    assertThatThrownBy(() -> new HmacSha256(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 to 64 bytes, this one is 0");
    assertThatThrownBy(() -> new HmacSha256(new byte[65]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("this one is 65");
  }

  @Test
  void anEntryAuthenticatedWithTheJdksMacIsRead_andOneWithAnotherKeyIsNot() throws Exception {
    Path dir = temp.resolve("cache");
    Path keyFile = temp.resolve("keys/cache.key");
    DiskStore store = DiskStore.open(dir, keyFile);
    String name = "00112233445566778899aabbccddeeff";
    byte[] content = new byte[5000];
    new Random(5).nextBytes(content);
    byte[] key = Files.readAllBytes(keyFile);
    byte[] magic = "terrarium-cache-1\n".getBytes(StandardCharsets.US_ASCII);
    for (boolean rightKey : new boolean[] {true, false}) {
      byte[] k = rightKey ? key : new byte[32];
      byte[] signed = new byte[name.length() + 1 + content.length];
      System.arraycopy(name.getBytes(StandardCharsets.US_ASCII), 0, signed, 0, name.length());
      System.arraycopy(content, 0, signed, name.length() + 1, content.length);
      byte[] file = new byte[magic.length + 32 + content.length];
      System.arraycopy(magic, 0, file, 0, magic.length);
      System.arraycopy(jdk(k, signed), 0, file, magic.length, 32);
      System.arraycopy(content, 0, file, magic.length + 32, content.length);
      Files.write(dir.resolve(name + ".entry"), file);
      if (rightKey) {
        assertThat(store.get(name)).isEqualTo(content);
      } else {
        assertThat(store.get(name)).isNull();
        assertThat(dir.resolve(name + ".entry")).doesNotExist();
      }
    }
  }
}
