package dev.terrarium.host.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The encoded form of a compiled module on disk: it reads back whole, and anything else is refused. */
class StoredModuleTest {
  private static final StoredModule STORED =
      new StoredModule("sha256=ab\nmode=COMPILER", new byte[] {0, 'a', 's', 'm'}, true, true, 1234, new byte[] {1, 2, 3},
          new int[] {4, 70_000});

  @Test
  void encode_thenDecode_givesItBack() {
    StoredModule back = StoredModule.decode(STORED.encode());
    assertThat(back.key()).isEqualTo(STORED.key());
    assertThat(back.rewritten()).isEqualTo(STORED.rewritten());
    assertThat(back.metered()).isTrue();
    assertThat(back.fuelInMachine()).isTrue();
    assertThat(back.classBytes()).isEqualTo(1234);
    assertThat(back.classJar()).containsExactly(1, 2, 3);
    assertThat(back.interpreted()).containsExactly(4, 70_000);
    StoredModule own = new StoredModule("k", null, false, false, 0, new byte[0], null);
    assertThat(StoredModule.decode(own.encode()).rewritten()).isNull();
    assertThat(StoredModule.decode(own.encode()).interpreted()).as("every body needed").isNull();
    StoredModule none = new StoredModule("k", null, false, false, 0, new byte[0], new int[0]);
    assertThat(StoredModule.decode(none.encode()).interpreted()).isEmpty();
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
    assertThatThrownBy(() -> new StoredModule("k", null, false, true, 0, new byte[0], new int[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void interpretedFunctions_mustBeAscendingPositions() {
    for (int[] bad : new int[][] {{-1}, {3, 3}, {5, 2}}) {
      assertThatThrownBy(() -> new StoredModule("k", null, false, false, 0, new byte[0], bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("ascending");
    }
  }

  @Test
  void anEntryOfTheFirstFormat_isRefused() {
    // Version 1 had no interpreted functions: it must not be read as if it needed no bodies.
    byte[] v2 = STORED.encode();
    String text = new String(v2, java.nio.charset.StandardCharsets.ISO_8859_1)
        .replace("terrarium-compiled-module-2", "terrarium-compiled-module-1");
    assertThatThrownBy(() -> StoredModule.decode(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))
        .hasMessageContaining("format");
  }
}
