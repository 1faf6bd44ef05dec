package dev.terrarium.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.abi.fixtures.Batch;
import dev.terrarium.abi.fixtures.Color;
import dev.terrarium.abi.fixtures.Item;
import dev.terrarium.abi.fixtures.Point;
import dev.terrarium.abi.fixtures.Shop;
import dev.terrarium.abi.support.Sandbox;
import dev.terrarium.abi.support.Structs;
import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import dev.terrarium.api.abi.Allocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The generated {@code TerrariumImports_Shop}, run without wasm: the guest is a {@link Sandbox} (a byte-array
 * memory and a bump allocator) and the host implementation a {@link RecordingShop}.
 */
class ImportsBehaviourTest {
  private static final Item APPLE =
      new Item(
          "apple",
          42L,
          0.25f,
          1.5,
          true,
          Color.GREEN,
          new Point(3, -4),
          Optional.of("crisp"),
          List.of("fruit", "red"),
          Optional.of(new Point(7, 8)));
  private static final Item PEAR =
      new Item("pear", 7L, 0.5f, 2.0, false, Color.RED, new Point(0, 0), Optional.empty(), List.of(), Optional.empty());

  private final Sandbox guest = new Sandbox();
  private final RecordingShop shop = new RecordingShop();
  private final Map<String, HostFunctionDefinition> functions = new LinkedHashMap<>();

  @BeforeEach
  void bind() throws ReflectiveOperationException {
    Class<?> generated = Fixtures.generatedClass("TerrariumImports_Shop");
    @SuppressWarnings("unchecked")
    List<HostFunctionDefinition> definitions =
        (List<HostFunctionDefinition>) generated.getMethod("definitions", Shop.class).invoke(null, shop);
    definitions.forEach(d -> functions.put(d.name(), d));
  }

  private long[] call(String name, long... args) throws Exception {
    return call(guest, name, args);
  }

  private long[] call(HostCallContext context, String name, long... args) throws Exception {
    return functions.get(name).implementation().call(context, args);
  }

  private static long pointer(long packed) {
    return AbiReader.pointer(packed);
  }

  private static long length(long packed) {
    return AbiReader.length(packed);
  }

  /** A guest-provided error slot, filled with garbage so that success must overwrite it. */
  private int errorSlot() {
    int slot = guest.alloc(AbiWriter.ERROR_SLOT_SIZE);
    guest.memory.writeInt(slot, -1);
    guest.memory.writeLong(slot + 4, -1L);
    return slot;
  }

  // --- definitions --------------------------------------------------------------------------------

  @Test
  void definitions_describeEveryFunctionWithItsModuleAndWasmSignature() throws ReflectiveOperationException {
    assertThat(Fixtures.generatedClass("TerrariumImports_Shop").getField("MODULE").get(null)).isEqualTo("shop");
    assertThat(functions.keySet())
        .containsExactly(
            "find", "put", "list", "thumbnail", "count", "scale", "favorite", "batch", "ping", "log", "tally");
    assertThat(functions.values()).allMatch(d -> d.module().equals("shop"));
    assertThat(functions.get("find").signature()).isEqualTo("(i32, i32) -> (i64)");
    assertThat(functions.get("put").signature()).isEqualTo("(i32, i32) -> ()");
    assertThat(functions.get("thumbnail").signature()).isEqualTo("(i64, i32, i32) -> (i64)");
    assertThat(functions.get("scale").params()).containsExactly(WasmType.F32, WasmType.F64);
    assertThat(functions.get("batch").signature()).isEqualTo("(i32, i32, i32, i32) -> (i64)");
  }

  @Test
  void definitions_rejectANullImplementation() {
    assertThatThrownBy(
            () -> Fixtures.generatedClass("TerrariumImports_Shop").getMethod("definitions", Shop.class).invoke(null,
                (Object) null))
        .hasRootCauseInstanceOf(NullPointerException.class);
  }

  // --- values both ways ---------------------------------------------------------------------------

  @Test
  void stringArgumentIsDecoded_andRecordResultIsWrittenIntoGuestMemoryForTheGuestToOwn() throws Exception {
    shop.found = Optional.of(APPLE);
    long name = guest.putString("apple");

    long[] results = call("find", pointer(name), length(name));

    assertThat(shop.calls).containsExactly("find(apple)");
    assertThat(results).hasSize(1);
    assertThat(length(results[0])).isEqualTo(Structs.ITEM_SIZE);
    int item = (int) pointer(results[0]);
    assertThat(Structs.readItemAt(guest, item)).isEqualTo(APPLE);
    assertThat(guest.allocator.isLive(item)).isTrue();
    // arguments are borrowed and results owned by the guest: the host frees nothing
    assertThat(guest.allocator.freed()).isEmpty();
  }

  @Test
  void absentOptionalResult_isPointerZeroAndLengthMinusOne() throws Exception {
    shop.found = Optional.empty();
    long name = guest.putString("nothing");
    assertThat(call("find", pointer(name), length(name))).containsExactly(AbiWriter.ABSENT);
  }

  @Test
  void recordArgument_isDecodedFromItsStruct() throws Exception {
    int item = Structs.writeItem(guest, APPLE);
    int slot = errorSlot();

    assertThat(call("put", item, slot)).isEmpty();

    assertThat(shop.put).containsExactly(APPLE);
    assertThat(guest.memory.readInt(slot)).as("success code").isZero();
    assertThat(guest.memory.readLong(slot + 4)).isZero();
  }

  @Test
  void pluginError_isWrittenIntoTheErrorSlot_andZeroValuesAreReturned() throws Exception {
    shop.putError = new PluginError(7, "read-only key");
    int item = Structs.writeItem(guest, PEAR);
    int slot = errorSlot();

    assertThat(call("put", item, slot)).isEmpty();

    assertThat(guest.memory.readInt(slot)).isEqualTo(7);
    int message = guest.memory.readInt(slot + 4);
    assertThat(guest.string(message, guest.memory.readInt(slot + 8))).isEqualTo("read-only key");
    assertThat(guest.allocator.isLive(message)).as("the guest owns the message").isTrue();
  }

  @Test
  void fallibleFunctionWithAResult_returnsZeroOnError_andTheValueOnSuccess() throws Exception {
    long ids = AbiWriter.pack(0, 0);
    shop.batchError = new PluginError(-3, "");
    int slot = errorSlot();
    assertThat(call("batch", 0, pointer(ids), length(ids), slot)).containsExactly(0L);
    assertThat(guest.memory.readInt(slot)).isEqualTo(-3);
    assertThat(guest.memory.readInt(slot + 8)).as("empty message").isZero();

    shop.batchError = null;
    shop.batch =
        new Batch(
            List.of(APPLE, PEAR), List.of(1, -2, 3), List.of(List.of("a", "b"), List.of()), Optional.empty(),
            new byte[] {9, 8});
    slot = errorSlot();
    long[] results = call("batch", 0, pointer(ids), length(ids), slot);

    assertThat(guest.memory.readInt(slot)).isZero();
    assertThat(length(results[0])).isEqualTo(40);
    int batch = (int) pointer(results[0]);
    long items = guest.pairAt(batch);
    assertThat(length(items)).isEqualTo(2);
    assertThat(Structs.readItemAt(guest, (int) pointer(items) + Structs.ITEM_SIZE)).isEqualTo(PEAR);
    long counts = guest.pairAt(batch + 8);
    assertThat(length(counts)).isEqualTo(3);
    assertThat(guest.memory.readInt((int) pointer(counts) + 4)).isEqualTo(-2);
    long groups = guest.pairAt(batch + 16);
    assertThat(Structs.readStrings(guest, guest.pairAt((int) pointer(groups)))).containsExactly("a", "b");
    assertThat(guest.pairAt((int) pointer(groups) + 8)).as("an empty list is (0, 0)").isZero();
    assertThat(guest.pairAt(batch + 24)).as("absent colors").isEqualTo(AbiWriter.ABSENT);
    assertThat(guest.memory.read((int) pointer(guest.pairAt(batch + 32)), 2)).containsExactly(9, 8);
  }

  @Test
  void listArguments_andOptionalRecordArguments_areDecoded() throws Exception {
    int ids = guest.alloc(12);
    guest.memory.writeInt(ids, 5);
    guest.memory.writeInt(ids + 4, 6);
    guest.memory.writeInt(ids + 8, -7);
    int near = Structs.writePoint(guest, new Point(1, 2));
    shop.batch = new Batch(List.of(), List.of(), List.of(), Optional.of(List.of(Color.BLUE)), new byte[0]);

    call("batch", near, ids, 3, errorSlot());

    assertThat(shop.calls).containsExactly("batch(Optional[Point[x=1, y=2]], [5, 6, -7])");
  }

  @Test
  void absentOptionalArguments_areEmpty() throws Exception {
    shop.listed = List.of();
    shop.batch = new Batch(List.of(), List.of(), List.of(), Optional.empty(), new byte[0]);
    assertThat(call("list", 0, AbiReader.ABSENT_LENGTH, 10)).containsExactly(0L);
    call("batch", 0, 0, 0, errorSlot());
    call("ping", 0, AbiReader.ABSENT_LENGTH);
    assertThat(shop.calls).containsExactly("list(Optional.empty, 10)", "batch(Optional.empty, [])", "ping(Optional.empty)");
  }

  @Test
  void listOfRecordsResult_isAnArrayOfInlineStructs() throws Exception {
    shop.listed = List.of(PEAR, APPLE);
    long prefix = guest.putString("p");

    long[] results = call("list", pointer(prefix), length(prefix), 2);

    assertThat(length(results[0])).isEqualTo(2);
    int array = (int) pointer(results[0]);
    assertThat(guest.allocator.live()).containsEntry(array, 2 * Structs.ITEM_SIZE);
    assertThat(Structs.readItemAt(guest, array)).isEqualTo(PEAR);
    assertThat(Structs.readItemAt(guest, array + Structs.ITEM_SIZE)).isEqualTo(APPLE);
    assertThat(shop.calls).containsExactly("list(Optional[p], 2)");
  }

  @Test
  void bytesAndLongs_roundTrip() throws Exception {
    shop.thumbnail = new byte[] {1, 2, 3};
    long fallback = guest.putBytes(new byte[] {4, 5});

    long[] results = call("thumbnail", Long.MIN_VALUE, pointer(fallback), length(fallback));

    assertThat(guest.memory.read((int) pointer(results[0]), (int) length(results[0]))).containsExactly(1, 2, 3);
    assertThat(shop.calls).containsExactly("thumbnail(" + Long.MIN_VALUE + ", [4, 5])");
  }

  // --- numbers only -------------------------------------------------------------------------------

  @Test
  void numbersOnlyFunctions_neverTouchMemoryOrAllocator() throws Exception {
    HostCallContext noMemory =
        new HostCallContext() {
          @Override
          public String pluginId() {
            return "no-memory";
          }

          @Override
          public GuestMemory memory() {
            throw new AssertionError("memory() called");
          }

          @Override
          public Allocator allocator() {
            throw new AssertionError("allocator() called");
          }
        };
    shop.count = 12;
    assertThat(call(noMemory, "count", 1, 2)).containsExactly(12L);
    assertThat(shop.calls).containsExactly("count(true, BLUE)");
    assertThat(call(noMemory, "favorite")).containsExactly((long) Color.GREEN.ordinal());
  }

  @Test
  void floats_crossAsTheirBits() throws Exception {
    long[] results =
        call("scale", Float.floatToRawIntBits(1.5f) & 0xFFFFFFFFL, Double.doubleToRawLongBits(-0.25));
    assertThat(shop.calls).containsExactly("scale(1.5, -0.25)");
    assertThat(results).containsExactly(Float.floatToRawIntBits(-0.375f) & 0xFFFFFFFFL);
  }

  // --- a guest that breaks the ABI ----------------------------------------------------------------

  @Test
  void pointerOutsideMemory_isAnAbiViolation_andTheImplementationIsNotCalled() {
    // AbiReader.string leaves the range check to GuestMemory, whose message does not name the argument
    assertThatThrownBy(() -> call("find", 0xFFFF0000L, 10))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("[4294901760, 4294901770) lies outside");
    assertThat(shop.calls).isEmpty();
  }

  @Test
  void lengthPastTheEndOfMemory_isAnAbiViolation() {
    assertThatThrownBy(() -> call("log", 65_000, 1_000)).isInstanceOf(AbiViolationException.class);
    assertThat(shop.calls).isEmpty();
  }

  @Test
  void invalidUtf8_isAnAbiViolation() {
    long text = guest.putBytes(new byte[] {(byte) 0xC3, (byte) 0x28});
    assertThatThrownBy(() -> call("log", pointer(text), length(text))).isInstanceOf(AbiViolationException.class);
    assertThat(shop.calls).isEmpty();
  }

  @Test
  void absentValueWhereOneIsRequired_isAnAbiViolation() {
    assertThatThrownBy(() -> call("log", 0, AbiReader.ABSENT_LENGTH))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("argument message of shop.log is required but the guest passed the absent value");
  }

  @Test
  void absentLengthWithAPointer_isAnAbiViolation() {
    assertThatThrownBy(() -> call("list", 16, AbiReader.ABSENT_LENGTH, 1))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("argument prefix of shop.list has length 0xFFFFFFFF");
  }

  @Test
  void booleanOtherThanZeroOrOne_isAnAbiViolation() {
    assertThatThrownBy(() -> call("count", 2, 0))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("argument includeHidden of shop.count is a boolean but the guest passed 2");
  }

  @Test
  void booleanFieldOtherThanZeroOrOne_isAnAbiViolation() {
    int item = Structs.writeItem(guest, APPLE);
    guest.memory.writeInt(item + 32, 5);
    assertThatThrownBy(() -> call("put", item, errorSlot()))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("Item.available is a boolean but the guest passed 5");
  }

  @Test
  void enumOrdinalOutOfRange_isAnAbiViolation() {
    assertThatThrownBy(() -> call("count", 0, 3))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("argument color of shop.count is an enum with 3 constants but the guest passed ordinal 3");
  }

  @Test
  void nullRecordPointer_isAnAbiViolation() {
    assertThatThrownBy(() -> call("put", 0, errorSlot()))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("argument item of shop.put is required but the guest passed a null pointer");
  }

  @Test
  void errorSlotOutsideMemory_isAnAbiViolation_andTheImplementationIsNotCalled() {
    int item = Structs.writeItem(guest, APPLE);
    assertThatThrownBy(() -> call("put", item, 64 * 1024 - 8))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("the error slot of shop.put");
    assertThat(shop.calls).isEmpty();
  }

  @Test
  void listAmplifyingOneBuffer_exceedsTheDecodingBudget() {
    long big = guest.putString("x".repeat(20_000));
    int array = guest.alloc(8 * 10);
    for (int i = 0; i < 10; i++) {
      guest.pair(array + 8 * i, big);
    }
    assertThatThrownBy(() -> call("tally", array, 10))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("more bytes than the guest's whole memory");
    assertThat(shop.calls).isEmpty();
  }

  @Test
  void listCountBeyondMemory_isAnAbiViolation() {
    assertThatThrownBy(() -> call("tally", 1024, 0x7FFFFFFF))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("argument words of shop.tally");
  }

  @Test
  void allocReturningGarbage_isAnAbiViolation() {
    shop.found = Optional.of(APPLE);
    long name = guest.putString("apple");
    guest.allocator.misbehave(0xFFFFFF00);
    assertThatThrownBy(() -> call("find", pointer(name), length(name)))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("alloc(72) for the result of shop.find returned 4294967040");
  }

  // --- a host implementation that misbehaves ------------------------------------------------------

  @Test
  void implementationExceptions_propagate() {
    shop.failure = new IllegalStateException("database down");
    long text = guest.putString("hello");
    assertThatThrownBy(() -> call("log", pointer(text), length(text))).isSameAs(shop.failure);
  }

  @Test
  void nullResults_areNullPointerExceptionsSayingWhatWasNull() {
    long prefix = guest.putString("p");
    shop.listed = null;
    assertThatThrownBy(() -> call("list", pointer(prefix), length(prefix), 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("the result of shop.list must not be null");
    shop.found = null;
    assertThatThrownBy(() -> call("find", pointer(prefix), length(prefix)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("Shop.find returned null");
    shop.listed = Arrays.asList(APPLE, null);
    assertThatThrownBy(() -> call("list", pointer(prefix), length(prefix), 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("the result of shop.list must not contain null");
  }

  /** A host implementation that records its calls and returns what the test set. */
  static final class RecordingShop implements Shop {
    final List<String> calls = new ArrayList<>();
    final List<Item> put = new ArrayList<>();
    Optional<Item> found = Optional.empty();
    PluginError putError;
    List<Item> listed = List.of();
    byte[] thumbnail = new byte[0];
    int count;
    Batch batch;
    PluginError batchError;
    RuntimeException failure;

    @Override
    public Optional<Item> find(String name) {
      calls.add("find(" + name + ")");
      return found;
    }

    @Override
    public void put(Item item) throws PluginError {
      calls.add("put");
      put.add(item);
      if (putError != null) {
        throw putError;
      }
    }

    @Override
    public List<Item> list(Optional<String> prefix, int limit) {
      calls.add("list(" + prefix + ", " + limit + ")");
      return listed;
    }

    @Override
    public byte[] thumbnail(long id, Optional<byte[]> fallback) {
      calls.add("thumbnail(" + id + ", " + fallback.map(Arrays::toString).orElse("-") + ")");
      return thumbnail;
    }

    @Override
    public int count(boolean includeHidden, Color color) {
      calls.add("count(" + includeHidden + ", " + color + ")");
      return count;
    }

    @Override
    public float scale(float factor, double bias) {
      calls.add("scale(" + factor + ", " + bias + ")");
      return (float) (factor * bias);
    }

    @Override
    public Color favorite() {
      return Color.GREEN;
    }

    @Override
    public Batch batch(Optional<Point> near, List<Integer> ids) throws PluginError {
      calls.add("batch(" + near + ", " + ids + ")");
      if (batchError != null) {
        throw batchError;
      }
      return batch;
    }

    @Override
    public boolean ping(Optional<List<Point>> route) {
      calls.add("ping(" + route + ")");
      return true;
    }

    @Override
    public void log(String message) {
      if (failure != null) {
        throw failure;
      }
      calls.add("log(" + message + ")");
    }

    @Override
    public int tally(List<String> words) {
      calls.add("tally(" + words.size() + ")");
      return words.stream().mapToInt(w -> w.getBytes(StandardCharsets.UTF_8).length).sum();
    }
  }
}
