package dev.terrarium.host.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-user signing key pair of precompiled plugins: made once, owner-only, read back the same. */
class SigningKeysTest {
  @TempDir Path temp;

  @Test
  void theKeyPair_isMadeOnFirstUse_ownerOnly_andReadBackTheSame() throws Exception {
    Path dir = temp.resolve("config/terrarium");
    assertThat(SigningKeys.userPublicKey(dir)).isNull();
    KeyPair made = SigningKeys.userKeyPair(dir);
    KeyPair again = SigningKeys.userKeyPair(dir);
    assertThat(again.getPublic().getEncoded()).isEqualTo(made.getPublic().getEncoded());
    assertThat(again.getPrivate().getEncoded()).isEqualTo(made.getPrivate().getEncoded());
    assertThat(SigningKeys.userPublicKey(dir).getEncoded()).isEqualTo(made.getPublic().getEncoded());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("precompile.key"))))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly("precompile.key", "precompile.pub");
    }
  }

  @Test
  void aPrivateKeyOthersCanRead_isRefused() throws Exception {
    Path dir = temp.resolve("keys");
    SigningKeys.userKeyPair(dir);
    Files.setPosixFilePermissions(dir.resolve("precompile.key"), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> SigningKeys.userKeyPair(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("chmod 600");
  }
}
