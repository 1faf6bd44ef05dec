package dev.terrarium.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.abi.fixtures.Batch;
import dev.terrarium.abi.fixtures.Color;
import dev.terrarium.abi.fixtures.Item;
import dev.terrarium.abi.fixtures.Outer;
import dev.terrarium.abi.fixtures.Point;
import dev.terrarium.abi.fixtures.Storefront;
import dev.terrarium.abi.support.FakeInstance;
import dev.terrarium.abi.support.Sandbox;
import dev.terrarium.abi.support.Structs;
import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import dev.terrarium.api.abi.ExportHandle;
import dev.terrarium.api.abi.GuestExports;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The generated {@code TerrariumExports_Storefront} proxy, run without wasm: the plugin is a {@link FakeInstance}
 * whose exports are Java lambdas playing the guest over a {@link Sandbox}.
 */
class ExportsBehaviourTest {
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

  private final Sandbox guest = new Sandbox();
  private final FakeInstance instance = new FakeInstance(guest);
  private final List<Long> guestArgs = new ArrayList<>();

  private static Object proxy(String name, GuestExports exports) {
    try {
      return Fixtures.generatedClass(name).getConstructor(GuestExports.class).newInstance(exports);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private Storefront storefront() {
    return (Storefront) proxy("TerrariumExports_Storefront", instance);
  }

  private long[] record(long... args) {
    for (long a : args) {
      guestArgs.add(a);
    }
    return args;
  }

  // --- the proxy ----------------------------------------------------------------------------------

  @Test
  void constructor_looksUpEveryExportWithItsWasmSignature() {
    storefront();
    assertThat(instance.requestedSignature("alloc")).isEqualTo("(i32) -> (i32)");
    assertThat(instance.requestedSignature("dealloc")).isEqualTo("(i32, i32) -> ()");
    assertThat(instance.requestedSignature("shop_describe")).isEqualTo("(i32) -> (i64)");
    assertThat(instance.requestedSignature("shop_lookup")).isEqualTo("(i32, i32, i32) -> (i64)");
    assertThat(instance.requestedSignature("shop_price")).isEqualTo("(f32, f64) -> (f64)");
    assertThat(instance.requestedSignature("shop_reset")).isEqualTo("(i32) -> ()");
    assertThat(instance.requestedSignature("shop_tick")).isEqualTo("() -> (i64)");
    assertThat(instance.calls()).as("nothing is called up front").isEmpty();
  }

  @Test
  void numbersOnlyInterface_needsNeitherMemoryNorAllocator() {
    List<String> requested = new ArrayList<>();
    GuestExports numbersOnly =
        new GuestExports() {
          @Override
          public String pluginId() {
            return "counter";
          }

          @Override
          public GuestMemory memory() {
            throw new AssertionError("memory() called");
          }

          @Override
          public ExportHandle export(String name, List<WasmType> params, List<WasmType> results) {
            requested.add(name);
            return args -> name.equals("increment") ? new long[] {args[0] + 1} : new long[0];
          }
        };
    Outer.Counter counter = (Outer.Counter) proxy("TerrariumExports_Outer_Counter", numbersOnly);
    assertThat(counter.increment(41)).isEqualTo(42);
    counter.reset();
    assertThat(requested).containsExactly("increment", "reset");
  }

  // --- values both ways ---------------------------------------------------------------------------

  @Test
  void recordArgumentIsHandedToTheGuest_andTheStringResultIsReadAndFreed() {
    int[] result = new int[1];
    instance.export(
        "shop_describe",
        args -> {
          Item item = Structs.readItemAt(guest, (int) args[0]);
          long text = guest.putString(item.name() + " costs " + item.price());
          result[0] = AbiReader.pointer(text);
          return record(text);
        });

    assertThat(storefront().describe(APPLE)).isEqualTo("apple costs 1.5");

    assertThat(guest.allocator.freed()).hasSize(1);
    assertThat(guest.allocator.freed().get(0)[0]).as("the host frees the result").isEqualTo(result[0]);
    assertThat(guest.allocator.live()).as("the guest owns its arguments").hasSize(7);
  }

  @Test
  void echoedBatch_roundTrips_andTheHostFreesEveryBlockItReceived() {
    instance.export("shop_summarize", args -> new long[] {AbiWriter.pack((int) args[0], 40)});
    Batch batch =
        new Batch(
            List.of(APPLE, APPLE),
            List.of(1, 2, 3),
            List.of(List.of("a"), List.of(), List.of("b", "c")),
            Optional.of(List.of(Color.BLUE, Color.RED)),
            new byte[] {5, 6, 7});

    Batch echoed = storefront().summarize(batch);

    assertThat(echoed.items()).isEqualTo(batch.items());
    assertThat(echoed.counts()).isEqualTo(batch.counts());
    assertThat(echoed.groups()).isEqualTo(batch.groups());
    assertThat(echoed.colors()).isEqualTo(batch.colors());
    assertThat(echoed.payload()).containsExactly(5, 6, 7);
    // the guest handed back everything the host had handed it: the host frees all of it, exactly once
    assertThat(guest.allocator.live()).isEmpty();
  }

  @Test
  void listArgument_andAbsentOptionalRecord_reachTheGuest() {
    instance.export(
        "shop_search",
        args -> {
          record(args);
          int item = Structs.writeItem(guest, APPLE);
          return new long[] {AbiWriter.pack(item, 1)};
        });

    List<Item> found = storefront().search(List.of("red", "fruit"), Optional.empty());

    assertThat(found).containsExactly(APPLE);
    assertThat(Structs.readStrings(guest, AbiWriter.pack(guestArgs.get(0).intValue(), guestArgs.get(1).intValue())))
        .containsExactly("red", "fruit");
    assertThat(guestArgs.get(2)).as("absent Optional<Point> is a null pointer").isZero();
  }

  @Test
  void optionalBytes_andOptionalListResults_useTheAbsentMarker() {
    instance.export(
        "shop_render",
        args -> {
          record(args);
          return new long[] {guest.putBytes(new byte[] {1})};
        });
    instance.export("shop_route", args -> new long[] {AbiWriter.ABSENT});

    assertThat(storefront().render(new byte[0], Optional.empty())).containsExactly(1);
    assertThat(guestArgs).containsExactly(0L, 0L, 0L, (long) AbiReader.ABSENT_LENGTH);
    assertThat(storefront().route(new Point(0, 0), new Point(1, 1))).isEmpty();
  }

  @Test
  void optionalListResult_isDecodedWhenPresent() {
    instance.export(
        "shop_route",
        args -> {
          int array = guest.alloc(16);
          Structs.writePointAt(guest, array, Structs.readPointAt(guest, (int) args[0]));
          Structs.writePointAt(guest, array + 8, Structs.readPointAt(guest, (int) args[1]));
          return new long[] {AbiWriter.pack(array, 2)};
        });
    assertThat(storefront().route(new Point(1, 2), new Point(3, 4)))
        .contains(List.of(new Point(1, 2), new Point(3, 4)));
  }

  @Test
  void numbers_crossAsWasmValues() {
    instance.export(
        "shop_price",
        args ->
            new long[] {
              Double.doubleToRawLongBits(Float.intBitsToFloat((int) args[0]) * Double.longBitsToDouble(args[1]))
            });
    instance.export("shop_tick", args -> new long[] {Long.MAX_VALUE});
    instance.export("shop_open", args -> new long[] {args[0] == Color.BLUE.ordinal() ? 1 : 0});
    instance.export("shop_pick", args -> new long[] {args[0]});
    Storefront store = storefront();

    assertThat(store.price(-1.5f, 2.0)).isEqualTo(-3.0);
    assertThat(store.tick()).isEqualTo(Long.MAX_VALUE);
    assertThat(store.open(Color.BLUE)).isTrue();
    assertThat(store.open(Color.RED)).isFalse();
    assertThat(store.pick(1)).isEqualTo(Color.GREEN);
    assertThat(guest.allocator.allocCalls()).isZero();
  }

  // --- the error channel --------------------------------------------------------------------------

  @Test
  void guestError_throwsPluginError_afterFreeingTheSlotAndTheMessage() {
    int[] slot = new int[1];
    instance.export(
        "shop_lookup",
        args -> {
          slot[0] = (int) args[2];
          assertThat(guest.memory.readInt(slot[0])).as("the host zeroes the slot").isZero();
          guest.memory.writeInt(slot[0], 42);
          guest.pair(slot[0] + 4, guest.putString("no such item"));
          return new long[] {0};
        });

    assertThatThrownBy(() -> storefront().lookup("kiwi"))
        .isInstanceOfSatisfying(
            PluginError.class,
            e -> {
              assertThat(e.code()).isEqualTo(42);
              assertThat(e.getMessage()).isEqualTo("no such item");
            });

    assertThat(guest.allocator.isLive(slot[0])).isFalse();
    // only the argument is left, which the guest owns
    assertThat(guest.allocator.live()).hasSize(1);
  }

  @Test
  void guestSuccess_freesTheSlot_andDecodesTheResult() throws PluginError {
    int[] slot = new int[1];
    instance.export(
        "shop_lookup",
        args -> {
          slot[0] = (int) args[2];
          return new long[] {AbiWriter.pack(Structs.writeItem(guest, APPLE), Structs.ITEM_SIZE)};
        });

    assertThat(storefront().lookup("apple")).contains(APPLE);

    assertThat(guest.allocator.isLive(slot[0])).isFalse();
    // the result's struct, strings, list and optional point were all freed; the argument remains
    assertThat(guest.allocator.live()).hasSize(1);
  }

  @Test
  void guestSuccessWithAbsentResult_isEmpty() throws PluginError {
    instance.export("shop_lookup", args -> new long[] {AbiWriter.ABSENT});
    assertThat(storefront().lookup("nothing")).isEmpty();
  }

  @Test
  void voidFallibleExport_returnsNormallyOnSuccess() throws PluginError {
    instance.export("shop_reset", args -> new long[0]);
    storefront().reset();
    assertThat(instance.calls()).containsExactly("shop_reset");
    assertThat(guest.allocator.live()).isEmpty();
  }

  // --- a guest that breaks the ABI ----------------------------------------------------------------

  @Test
  void recordResultWithTheWrongSize_isAnAbiViolation() {
    instance.export("shop_summarize", args -> new long[] {AbiWriter.pack((int) args[0], 12)});
    Batch batch = new Batch(List.of(), List.of(), List.of(), Optional.empty(), new byte[0]);
    assertThatThrownBy(() -> storefront().summarize(batch))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("the result of shop_summarize is a struct of 40 bytes but the guest returned it with size 12");
  }

  @Test
  void badBooleanAndEnumResults_areAbiViolations() {
    instance.export("shop_open", args -> new long[] {2});
    instance.export("shop_pick", args -> new long[] {-1});
    assertThatThrownBy(() -> storefront().open(Color.RED))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("the result of shop_open is a boolean but the guest passed 2");
    assertThatThrownBy(() -> storefront().pick(0))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("the result of shop_pick is an enum with 3 constants but the guest passed ordinal -1");
  }

  @Test
  void stringResultOutsideMemory_isAnAbiViolation() {
    instance.export("shop_describe", args -> new long[] {AbiWriter.pack(0x7FFF0000, 16)});
    assertThatThrownBy(() -> storefront().describe(APPLE)).isInstanceOf(AbiViolationException.class);
  }

  @Test
  void absentResultWhereOneIsRequired_isAnAbiViolation() {
    instance.export("shop_describe", args -> new long[] {AbiWriter.ABSENT});
    assertThatThrownBy(() -> storefront().describe(APPLE))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("the result of shop_describe is required but the guest passed the absent value");
  }

  @Test
  void allocReturningNull_isAnAbiViolation() {
    guest.allocator.misbehave(0);
    assertThatThrownBy(() -> storefront().render(new byte[] {1}, Optional.empty()))
        .isInstanceOf(AbiViolationException.class)
        .hasMessageContaining("alloc(1) for argument template of shop_render returned 0, which is null");
    assertThat(instance.calls()).isEmpty();
  }

  // --- a caller that breaks the contract ----------------------------------------------------------

  @Test
  void nullArgument_isANullPointerExceptionNamingTheParameter_beforeAnythingIsAllocated() {
    Storefront store = storefront();
    assertThatThrownBy(() -> store.describe(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("item must not be null");
    assertThatThrownBy(() -> store.search(List.of(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("near must not be null; pass Optional.empty()");
    assertThat(guest.allocator.allocCalls()).isZero();
    assertThat(instance.calls()).isEmpty();
  }

  @Test
  void nullInsideAnArgument_isANullPointerExceptionSayingWhere() {
    Item noName = new Item(null, 1, 0, 0, false, Color.RED, new Point(0, 0), Optional.empty(), List.of(), Optional.empty());
    assertThatThrownBy(() -> storefront().describe(noName))
        .isInstanceOf(NullPointerException.class)
        .hasMessageStartingWith("Item.name must not be null");
    Item noColor = new Item("x", 1, 0, 0, false, null, new Point(0, 0), Optional.empty(), List.of(), Optional.empty());
    assertThatThrownBy(() -> storefront().describe(noColor))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("Item.color must not be null");
    assertThatThrownBy(() -> storefront().search(java.util.Arrays.asList("a", null), Optional.empty()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("argument words of shop_search must not contain null");
    assertThat(instance.calls()).isEmpty();
  }

  /** An item whose struct and name are written before the null in its tags is found. */
  private static Item itemWithANullTag() {
    return new Item("apple", 1, 0, 0, false, Color.RED, new Point(0, 0), Optional.empty(),
        java.util.Arrays.asList("ok", null), Optional.empty());
  }

  @Test
  void nullInsideAnArgument_freesWhatWasAlreadyWritten_newestFirst() {
    instance.export("shop_describe", args -> new long[] {guest.putString("ok")});
    Storefront store = storefront();
    Item badTag = itemWithANullTag();
    assertThatThrownBy(() -> store.describe(badTag))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("Item.tags");
    int allocated = guest.allocator.allocCalls();
    assertThat(allocated).isGreaterThanOrEqualTo(2);
    assertThat(guest.allocator.live()).isEmpty();
    List<int[]> freed = guest.allocator.freed();
    assertThat(freed).hasSize(allocated);
    assertThat(freed.get(allocated - 1)[1]).isEqualTo(72); // the Item struct, allocated first, is freed last
    // A second argument's null frees the first argument.
    assertThatThrownBy(() -> store.search(List.of("pear"), null)).isInstanceOf(NullPointerException.class);
    assertThat(guest.allocator.live()).isEmpty();
    assertThat(instance.calls()).isEmpty();
    // The proxy still works, and what a call hands over is the guest's: nothing is freed on its behalf.
    int freedBefore = guest.allocator.freed().size();
    assertThat(store.describe(APPLE)).isEqualTo("ok");
    assertThat(instance.calls()).containsExactly("shop_describe");
    assertThat(guest.allocator.freed()).hasSize(freedBefore + 1); // only the result
    assertThat(guest.allocator.live()).isNotEmpty(); // the argument, now the guest's
  }

  @Test
  void aFailingDeallocWhileAbandoning_isAttachedToTheCallersError() {
    instance.export(
        "dealloc",
        args -> {
          throw new IllegalStateException("dealloc broke");
        });
    Storefront store = storefront();
    Item badTag = itemWithANullTag();
    assertThatThrownBy(() -> store.describe(badTag))
        .isInstanceOf(NullPointerException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).singleElement().satisfies(
            s -> assertThat(s).hasMessageContaining("dealloc broke")));
  }
}
