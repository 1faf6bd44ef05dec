package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.assertHealthy;
import static dev.terrarium.host.Fixtures.manifest;
import static dev.terrarium.host.ModuleBytes.I32;
import static dev.terrarium.host.ModuleBytes.V128;
import static dev.terrarium.host.ModuleBytes.body;
import static dev.terrarium.host.ModuleBytes.bodyWithLocals;
import static dev.terrarium.host.ModuleBytes.bytes;
import static dev.terrarium.host.ModuleBytes.concat;
import static dev.terrarium.host.ModuleBytes.funcType;
import static dev.terrarium.host.ModuleBytes.module;
import static dev.terrarium.host.ModuleBytes.name;
import static dev.terrarium.host.ModuleBytes.section;
import static dev.terrarium.host.ModuleBytes.u32;
import static dev.terrarium.host.ModuleBytes.vec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.InvalidModuleException;
import dev.terrarium.api.MalformedModuleException;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLoadException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed, invalid and unsupported modules are refused at load by Terrarium's own validation pass, with the
 * error code of their fault and a message naming the rule and the byte offset; the host keeps serving.
 */
class ValidationTest {
  private static final byte[] VOID_TYPE = section(1, vec(funcType(new int[0], new int[0])));
  private static final byte[] ONE_FUNCTION = section(3, vec(u32(0)));
  private static final byte[] ONE_PAGE = section(5, vec(bytes(0x00, 0x01)));
  private static final byte[] F64_ZERO = bytes(0x44, 0, 0, 0, 0, 0, 0, 0, 0);

  private PluginHost host;

  @BeforeEach
  void setUp() {
    host = Fixtures.host(ExecutionMode.COMPILER).build();
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  /** A bad module, the code it earns, a part of the rule the message names, and its fault's offset from the end. */
  record Bad(String what, byte[] module, ErrorCode code, String rule, int fromEnd) {
    int offset() {
      return module.length - fromEnd;
    }

    @Override
    public String toString() {
      return what;
    }
  }

  static Stream<Bad> badModules() {
    return Stream.of(
        new Bad(
            "an import whose type index lies past the type section",
            module(VOID_TYPE, section(2, vec(concat(name("env"), name("f"), bytes(0x00), u32(5))))),
            ErrorCode.LOAD_INVALID,
            "unknown type 5 (the module has 1)",
            1),
        new Bad(
            "an export naming a function index past the function count",
            module(section(7, vec(concat(name("f"), bytes(0x00), u32(0))))),
            ErrorCode.LOAD_INVALID,
            "unknown function 0 (the module has 0)",
            1),
        new Bad(
            "two exports with one name",
            module(
                ONE_PAGE,
                section(7, vec(concat(name("m"), bytes(0x02), u32(0)), concat(name("m"), bytes(0x02), u32(0))))),
            ErrorCode.LOAD_INVALID,
            "duplicate export name 'm'",
            4),
        new Bad(
            "a start function taking a parameter",
            module(
                section(1, vec(funcType(new int[] {I32}, new int[0]))),
                ONE_FUNCTION,
                section(8, u32(0)),
                section(10, vec(body(0x0B)))),
            ErrorCode.LOAD_INVALID,
            "the start function must have type [] -> [], but function 0 has type [i32] -> []",
            7),
        new Bad(
            "i32.add applied to an i32 and an f64",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(concatInts(bytes(0x41, 0x01), F64_ZERO, bytes(0x6A, 0x1A, 0x0B)))))),
            ErrorCode.LOAD_INVALID,
            "type mismatch: i32.add expects i32 but the stack has [i32 f64]",
            3),
        new Bad(
            "a block that must leave an i32 but leaves nothing",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(0x02, I32, 0x0B, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "type mismatch: end expects i32 but the stack is empty in this block",
            2),
        new Bad(
            "an if without else whose results differ from its parameters",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(0x41, 0x01, 0x04, I32, 0x41, 0x01, 0x0B, 0x1A, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "an if without else must have the same parameters and results",
            3),
        new Bad(
            "a branch to a label that does not enclose it",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(0x0C, 0x01, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "unknown label 1",
            2),
        new Bad(
            "global.set on an immutable global",
            module(
                VOID_TYPE,
                ONE_FUNCTION,
                section(6, vec(bytes(I32, 0x00, 0x41, 0x00, 0x0B))),
                section(10, vec(body(0x41, 0x01, 0x24, 0x00, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "global is immutable",
            2),
        new Bad(
            "an i32.load aligned to 8 bytes",
            module(VOID_TYPE, ONE_FUNCTION, ONE_PAGE, section(10, vec(body(0x41, 0x00, 0x28, 0x03, 0x00, 0x1A, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "alignment must not be larger than natural",
            4),
        new Bad(
            "ref.func of a function no element segment, export or global names",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(0xD2, 0x00, 0x1A, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "undeclared function reference",
            3),
        new Bad(
            "a global initialized by i32.eq",
            module(section(6, vec(bytes(I32, 0x00, 0x41, 0x01, 0x41, 0x02, 0x46, 0x0B)))),
            ErrorCode.LOAD_INVALID,
            "constant expression required: i32.eq is not allowed in a constant expression",
            2),
        new Bad(
            "a memory of 65537 pages",
            module(section(5, vec(bytes(0x00), u32(65537)))),
            ErrorCode.LOAD_INVALID,
            "memory size must be at most 65536 pages",
            3),
        new Bad(
            "a count in an overlong LEB128 encoding",
            module(bytes(0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)),
            ErrorCode.LOAD_MALFORMED,
            "integer representation too long",
            6),
        new Bad(
            "a type section after a function section",
            module(section(3, vec()), section(1, vec())),
            ErrorCode.LOAD_MALFORMED,
            "unexpected content after last section: the type section comes after the function section",
            3),
        new Bad(
            "two functions declared and one body",
            module(VOID_TYPE, section(3, vec(u32(0), u32(0))), section(10, vec(body(0x0B)))),
            ErrorCode.LOAD_MALFORMED,
            "function and code section have inconsistent lengths: 2 functions, 1 bodies",
            4),
        new Bad(
            "an export name that is not UTF-8",
            module(ONE_PAGE, section(7, vec(concat(u32(2), bytes(0xC0, 0x80), bytes(0x02), u32(0))))),
            ErrorCode.LOAD_MALFORMED,
            "malformed UTF-8 encoding",
            4),
        new Bad(
            "memory.init without a data count section",
            module(
                VOID_TYPE,
                ONE_FUNCTION,
                ONE_PAGE,
                section(10, vec(body(0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B)))),
            ErrorCode.LOAD_MALFORMED,
            "data count section required",
            3),
        new Bad(
            "a data count that differs from the data section",
            module(ONE_PAGE, section(12, u32(2)), section(11, vec(concat(bytes(0x01), u32(0))))),
            ErrorCode.LOAD_MALFORMED,
            "data count and data section have inconsistent lengths",
            3),
        new Bad(
            "a function declaring 100000 locals",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(bodyWithLocals(concat(u32(1), u32(100_000), bytes(I32)), 0x0B)))),
            ErrorCode.LOAD_UNSUPPORTED,
            "the function declares 100000 locals; this host allows at most 50000 per function",
            5),
        new Bad(
            "an atomic fence (threads)",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(0xFE, 0x03, 0x00, 0x0B)))),
            ErrorCode.LOAD_UNSUPPORTED,
            "threads",
            4),
        new Bad(
            "a tag section (exception handling)",
            module(VOID_TYPE, section(13, vec(bytes(0x00, 0x00)))),
            ErrorCode.LOAD_UNSUPPORTED,
            "the module has a tag section (exception handling)",
            5));
  }

  private static int[] concatInts(byte[]... parts) {
    byte[] all = concat(parts);
    int[] out = new int[all.length];
    for (int i = 0; i < all.length; i++) {
      out[i] = all[i] & 0xff;
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badModules")
  void load_refusesWithTheRuleAndTheOffset(Bad bad) {
    assertThatThrownBy(() -> host.load(bad.module(), manifest("bad")))
        .isInstanceOf(
            switch (bad.code()) {
              case LOAD_INVALID -> InvalidModuleException.class;
              case LOAD_MALFORMED -> MalformedModuleException.class;
              default -> PluginLoadException.class;
            })
        .satisfies(e -> assertThat(((PluginException) e).code()).isEqualTo(bad.code()))
        .hasMessageStartingWith(bad.code().tag() + " plugin 'bad':")
        .hasMessageContaining(bad.rule())
        .hasMessageContaining("at byte offset " + bad.offset() + (bad.rule().contains("stack") ? " in function 0" : ""));
    assertThat(host.cacheStats().entries()).isZero();
    assertHealthy(host);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badModules")
  void inspect_refusesWithTheSameCodeAndOffset(Bad bad) {
    assertThatThrownBy(() -> PluginHost.inspect(bad.module()))
        .isInstanceOf(PluginLoadException.class)
        .satisfies(e -> assertThat(((PluginException) e).code()).isEqualTo(bad.code()))
        .hasMessageContaining(bad.rule())
        .hasMessageContaining("at byte offset " + bad.offset());
  }

  static Stream<Arguments> simdModules() {
    byte[] zeros = new byte[16];
    return Stream.of(
        Arguments.of("a v128 result type", module(section(1, vec(funcType(new int[0], new int[] {V128})))), 1),
        Arguments.of(
            "v128.const in a body",
            module(VOID_TYPE, ONE_FUNCTION, section(10, vec(body(concatInts(bytes(0xFD, 0x0C), zeros, bytes(0x1A, 0x0B)))))),
            20));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void load_refusesSimdModulesInEveryExecutionMode(ExecutionMode mode) {
    try (PluginHost inMode = Fixtures.host(mode).build()) {
      simdModules()
          .forEach(
              a -> {
                byte[] m = (byte[]) a.get()[1];
                int offset = m.length - (int) a.get()[2];
                assertThatThrownBy(() -> inMode.load(m, manifest("simd")))
                    .as("%s in %s mode", a.get()[0], mode)
                    .isInstanceOf(PluginLoadException.class)
                    .satisfies(e -> assertThat(((PluginException) e).code()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED))
                    .hasMessageContaining("the module uses SIMD (v128), which this engine cannot run")
                    .hasMessageContaining("at byte offset " + offset);
              });
      assertHealthy(inMode);
    }
  }

  @Test
  void load_refusesSimdWhenFuelIsMeteredToo() {
    try (PluginHost metered = Fixtures.host(ExecutionMode.INTERPRETER).meterFuel().build()) {
      byte[] m = (byte[]) simdModules().skip(1).findFirst().orElseThrow().get()[1];
      assertThatThrownBy(() -> metered.load(m, manifest("simd")))
          .satisfies(e -> assertThat(((PluginException) e).code()).isEqualTo(ErrorCode.LOAD_UNSUPPORTED))
          .hasMessageContaining("SIMD (v128)");
      assertThat(metered.load(Fixtures.fixture("add"), manifest("good-add")).id()).isEqualTo("good-add");
    }
  }

  @Test
  void load_acceptsValidMultiValueBlocksAndUnreachableCode() {
    // (func (export "f") (result i32 i64) (i32.const 7) (block (type 1) (i64.const 2)) (return) (unreachable) (drop)):
    // a block taking a parameter and leaving two results, then code after return that pops from the
    // polymorphic stack.
    byte[] m =
        module(
            section(
                1,
                vec(
                    funcType(new int[0], new int[] {I32, ModuleBytes.I64}),
                    funcType(new int[] {I32}, new int[] {I32, ModuleBytes.I64}))),
            ONE_FUNCTION,
            section(7, vec(concat(name("f"), bytes(0x00), u32(0)))),
            section(
                10,
                vec(body(0x41, 0x07, 0x02, 0x01, 0x42, 0x02, 0x0B, 0x0F, 0x00, 0x1A, 0x0B))));
    Plugin plugin = host.load(m, manifest("multi"));
    try (PluginInstance instance = plugin.instantiate()) {
      assertThat(instance.call("f")).containsExactly(7L, 2L);
    }
  }
}
