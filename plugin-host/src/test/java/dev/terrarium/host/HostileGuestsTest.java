package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.InstanceUnusableException;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.Greeter;
import dev.terrarium.samples.abi.Hostile;
import dev.terrarium.samples.abi.KeyValueStore;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guests that break the ABI on purpose; after each, the same host still serves a good plugin. */
class HostileGuestsTest {
  private final TypedBindingsTest.MemoryStore store = new TypedBindingsTest.MemoryStore();
  private PluginHost host;

  @BeforeEach
  void setUp() {
    host = PluginHost.builder().hostImports(KeyValueStore.class, store).build();
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  private void assertViolation(String module, Consumer<Hostile> call, String message) {
    Plugin plugin = host.load(SamplePlugins.bytes("fixtures/" + module + ".wasm"), Fixtures.manifest("hostile"));
    try (PluginInstance instance = plugin.instantiate()) {
      Hostile hostile = instance.exports(Hostile.class);
      assertThatThrownBy(() -> call.accept(hostile))
          .isInstanceOfSatisfying(
              AbiViolationException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CALL_ABI_VIOLATION))
          .hasMessageStartingWith("[Terrarium/CALL_ABI_VIOLATION] plugin 'hostile':")
          .hasMessageContaining(message);
      assertThatThrownBy(() -> hostile.echo("again")).isInstanceOf(InstanceUnusableException.class);
    }
    assertHealthy();
  }

  /** A well-behaved typed plugin still works on the same host. */
  private void assertHealthy() {
    try (PluginInstance good = host.load(SamplePlugins.bytes("greeter-c.wasm")).instantiate()) {
      assertThat(good.exports(Greeter.class).greet("after")).isEqualTo("Hello, after!");
    }
  }

  @Test
  void resultPointerPastMemoryIsAViolation() {
    assertViolation("hostile-exports", Hostile::badPointer, "outside the guest's 65536 bytes of memory");
  }

  @Test
  void resultLengthPastMemoryIsAViolation() {
    assertViolation("hostile-exports", Hostile::lengthPastMemory, "outside the guest's 65536 bytes of memory");
  }

  @Test
  void invalidUtf8IsAViolation() {
    assertViolation("hostile-exports", Hostile::invalidUtf8, "are not valid UTF-8");
  }

  @Test
  void absentValueWhereOneIsRequiredIsAViolation() {
    assertViolation("hostile-exports", Hostile::absentWhereRequired, "is required but the guest passed the absent value");
  }

  @Test
  void booleanOtherThanZeroOrOneIsAViolation() {
    assertViolation("hostile-exports", Hostile::badBoolean, "is a boolean but the guest passed 2");
  }

  @Test
  void enumOrdinalOutOfRangeIsAViolation() {
    assertViolation("hostile-exports", Hostile::badEnum, "is an enum with 3 constants but the guest passed ordinal 7");
  }

  @Test
  void aGuestCannotMakeTheHostDecodeMoreThanItsMemory() {
    assertViolation(
        "hostile-exports", Hostile::amplification, "would take more bytes than the guest's whole memory (65536)");
  }

  @Test
  void allocReturningNullIsAViolation() {
    assertViolation("hostile-alloc-zero", h -> h.echo("x"), "returned 0, which is null");
  }

  @Test
  void allocReturningAPointerOutsideMemoryIsAViolation() {
    assertViolation("hostile-alloc-garbage", h -> h.echo("x"), "which is outside the guest's 65536 bytes of memory");
  }

  private void assertImportViolation(String export, String message) {
    Plugin plugin =
        host.load(
            SamplePlugins.bytes("fixtures/hostile-imports.wasm"),
            Fixtures.manifest("hostile", Capabilities.builder().hostModule("kv").build()));
    try (PluginInstance instance = plugin.instantiate()) {
      assertThatThrownBy(() -> instance.call(export))
          .isInstanceOf(AbiViolationException.class)
          .hasMessageContaining(message);
      assertThat(instance.usable()).isFalse();
    }
    assertHealthy();
  }

  @Test
  void importArgumentPastMemoryIsAViolation() {
    assertImportViolation("get_bad_pointer", "outside the guest's 65536 bytes of memory");
  }

  @Test
  void importArgumentWithInvalidUtf8IsAViolation() {
    assertImportViolation("get_invalid_utf8", "are not valid UTF-8");
  }

  @Test
  void importErrorSlotPastMemoryIsAViolation() {
    assertImportViolation("put_bad_error_slot", "outside the guest's 65536 bytes of memory");
    assertThat(store.entries).isEmpty();
  }
}
