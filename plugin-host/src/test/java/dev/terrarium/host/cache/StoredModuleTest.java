package dev.terrarium.host.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The encoded form of a compiled module on disk: it reads back whole, and anything else is refused. */
class StoredModuleTest {
  private static final StoredModule STORED =
      new StoredModule("sha256=ab\nmode=COMPILER", new byte[] {0, 'a', 's', 'm'}, true, true, 1234, new byte[] {1, 2, 3});

  @Test
  void encode_thenDecode_givesItBack() {
    StoredModule back = StoredModule.decode(STORED.encode());
    assertThat(back.key()).isEqualTo(STORED.key());
    assertThat(back.rewritten()).isEqualTo(STORED.rewritten());
    assertThat(back.metered()).isTrue();
    assertThat(back.fuelInMachine()).isTrue();
    assertThat(back.classBytes()).isEqualTo(1234);
    assertThat(back.classJar()).containsExactly(1, 2, 3);
    StoredModule own = new StoredModule("k", null, false, false, 0, new byte[0]);
    assertThat(StoredModule.decode(own.encode()).rewritten()).isNull();
  }

  @Test
  void decode_refusesTruncatedExtendedAndForeignBytes() {
    byte[] good = STORED.encode();
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThatThrownBy(() -> StoredModule.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
    }
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> StoredModule.decode(longer)).hasMessageContaining("after its end");
    byte[] foreign = good.clone();
    foreign[5] ^= 1; // inside the format name
    assertThatThrownBy(() -> StoredModule.decode(foreign)).hasMessageContaining("format");
  }

  @Test
  void anUnmeteredModule_cannotClaimACounterInItsMachine() {
    assertThatThrownBy(() -> new StoredModule("k", null, false, true, 0, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
