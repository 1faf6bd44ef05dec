package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.CallTimeoutException;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.samples.SamplePlugins;
import dev.terrarium.samples.abi.SharedState;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * shell-repl.wasm, the guest REPL of the embedded shell server, through the real host: its line protocol
 * (sample-plugins/src/main/rust/shell_repl.rs), exactly one output line per input line, errors in-band.
 */
class ShellReplTest {
  /** An in-memory SharedState; the key "locked" cannot be set, and a sum past Long.MAX_VALUE fails. */
  static final class MemoryState implements SharedState {
    final List<Long> numbers = new ArrayList<>();
    final Map<String, String> map = new HashMap<>();

    @Override
    public synchronized void add(long n) {
      numbers.add(n);
    }

    @Override
    public synchronized long sum() throws PluginError {
      long total = 0;
      for (long n : numbers) {
        try {
          total = Math.addExact(total, n);
        } catch (ArithmeticException e) {
          throw new PluginError(75, "the sum does not fit in 64 bits");
        }
      }
      return total;
    }

    @Override
    public synchronized void set(String key, String value) throws PluginError {
      if (key.equals("locked")) {
        throw new PluginError(13, "key 'locked' is read-only");
      }
      map.put(key, value);
    }

    @Override
    public synchronized Optional<String> get(String key) {
      return Optional.ofNullable(map.get(key));
    }
  }

  private final MemoryState state = new MemoryState();
  private PluginHost host;

  /** The host's limits for the next session (none unless a test sets them). */
  private PluginLimits limits;

  private PluginHost host(ExecutionMode mode) {
    PluginHost.Builder builder =
        PluginHost.builder()
            .executionMode(mode)
            .grants(Grants.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT).build())
            .hostImports(SharedState.class, state);
    if (limits != null) {
      builder.limits(limits);
    }
    host = builder.build();
    return host;
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
  }

  /** Runs one session over the given lines (each followed by \n) and returns stdout split into lines. */
  private List<String> session(ExecutionMode mode, String... lines) {
    String input = lines.length == 0 ? "" : String.join("\n", lines) + "\n";
    return sessionRaw(mode, input.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> session(String... lines) {
    return session(ExecutionMode.COMPILER, lines);
  }

  private List<String> sessionRaw(ExecutionMode mode, byte[] input) {
    Plugin repl = host(mode).load(SamplePlugins.bytes("shell-repl.wasm"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PluginInstance instance =
        repl.instantiate(InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).stdout(out).build())) {
      assertThat(instance.run()).isZero();
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).as("stdout ends with a line end").satisfiesAnyOf(t -> assertThat(t).isEmpty(), t -> assertThat(t).endsWith("\n"));
    return text.isEmpty() ? List.of() : Arrays.asList(text.substring(0, text.length() - 1).split("\n", -1));
  }

  @Test
  void load_readsTheEmbeddedManifestRequestingStdioExitAndTheShellModule() {
    Plugin repl = host(ExecutionMode.COMPILER).load(SamplePlugins.bytes("shell-repl.wasm"));

    assertThat(repl.id()).isEqualTo("shell-repl");
    assertThat(repl.manifest().version()).isEqualTo("0.1.0");
    assertThat(repl.manifest().capabilities().hostModules()).containsExactly("shell");
    assertThat(repl.manifest().capabilities().wasi())
        .containsExactlyInAnyOrder(WasiCapability.STDIO, WasiCapability.EXIT);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void plainCommands_answerOneLineEachAndReachTheSharedState(ExecutionMode mode) {
    List<String> out =
        session(mode, "add 40", "add 2", "sum", "add -50", "sum", "set greeting hello  there ", "get greeting", "");

    assertThat(out).containsExactly("ok", "ok", "42", "ok", "-8", "ok", "hello  there ", "");
    assertThat(state.numbers).containsExactly(40L, 2L, -50L);
    assertThat(state.map).containsEntry("greeting", "hello  there ");
  }

  @Test
  void emptyInput_endsAtOnceWithExitCodeZeroAndNoOutput() {
    assertThat(session()).isEmpty();
  }

  @Test
  void lineEnds_crlfAndAFinalLineWithoutNewlineAreAnsweredLikeAnyLine() {
    List<String> out =
        sessionRaw(ExecutionMode.COMPILER, "add 1\r\nset k v\r\nget k\r\n\r\nsum".getBytes(StandardCharsets.UTF_8));

    assertThat(out).containsExactly("ok", "ok", "v", "", "1");
    assertThat(state.map).containsEntry("k", "v");
  }

  @Test
  void set_passesAOneMebibyteValueWhole_andGetReturnsItWhole() {
    StringBuilder big = new StringBuilder(1 << 20);
    for (int i = 0; big.length() < (1 << 20); i++) {
      big.append("word").append(i % 10).append(' ');
    }
    String value = big.substring(0, 1 << 20);

    List<String> out = session("set big " + value, "get big", "(get \"big\")", "sum");

    assertThat(state.map.get("big")).hasSize(1 << 20).isEqualTo(value);
    assertThat(out).hasSize(4);
    assertThat(out.get(0)).isEqualTo("ok");
    assertThat(out.get(1)).isEqualTo(value);
    assertThat(out.get(2)).isEqualTo(value);
    assertThat(out.get(3)).isEqualTo("0");
  }

  @Test
  void errors_areOneInBandLineEach_andTheSessionContinues() {
    state.map.put("multi", "two\nlines");
    List<String> out =
        session(
            "frobnicate now",
            "add",
            "add 12x",
            "add 9223372036854775808",
            "get missing",
            "set locked x",
            "set onlykey",
            "sum 3",
            "get multi",
            "add 9223372036854775807",
            "add 1",
            "sum",
            "(+ 1 2)");

    assertThat(out)
        .containsExactly(
            "error: unknown command: frobnicate",
            "error: usage: add N",
            "error: not a 64-bit integer: 12x",
            "error: not a 64-bit integer: 9223372036854775808",
            "error: no value for key 'missing'",
            "error: key 'locked' is read-only",
            "error: usage: set KEY VALUE",
            "error: usage: sum",
            "error: the value contains a line break",
            "ok",
            "ok",
            "error: the sum does not fit in 64 bits",
            "3");
    assertThat(state.map).doesNotContainKey("locked");
  }

  @Test
  void invalidUtf8_isAnErrorLine_andTheSessionContinues() {
    byte[] input = {'g', 'e', 't', ' ', (byte) 0xff, '\n', 's', 'u', 'm', '\n'};

    assertThat(sessionRaw(ExecutionMode.COMPILER, input))
        .containsExactly("error: the line is not valid UTF-8", "0");
  }

  @Test
  void expressions_printIntegersStringsBooleansProceduresAndDefinedNames() {
    List<String> out =
        session(
            "(+ 1 2 (* 3 4) (- 10) (/ 7 2) (/ -7 2) 1)",
            "(string-append \"a \\\"quoted\\\" \" \"back\\\\slash\")",
            "(< 1 2 3)",
            "(>= 3 3 4)",
            "(not #f)",
            "(= 5 (+ 2 3))",
            "(lambda (x) x)",
            "(begin +)",
            "(define answer 42)",
            "(begin (add answer) (sum))",
            "(set \"k\" (number->string (* answer 2)))",
            "(get \"k\")",
            "get k",
            "(add 1)");

    assertThat(out)
        .containsExactly(
            "6",
            "a \"quoted\" back\\slash",
            "#t",
            "#f",
            "#t",
            "#t",
            "#<procedure>",
            "#<procedure>",
            "answer",
            "42",
            "ok",
            "84",
            "84",
            "ok");
    assertThat(state.numbers).containsExactly(42L, 1L);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void expressions_defineLambdaRecursionLetAndIf_persistForTheSession(ExecutionMode mode) {
    List<String> out =
        session(
            mode,
            "(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))",
            "(fact 20)",
            "(define make-adder (lambda (n) (lambda (x) (+ x n))))",
            "(define add5 (make-adder 5))",
            "(add5 37)",
            "(let ((a 2) (b 3)) (define c 4) (* a b c))",
            "(if (> (fact 5) 100) \"big\" \"small\")",
            "(define (count n acc) (if (= n 0) acc (count (- n 1) (+ acc 1))))",
            "(count 5000 0)",
            "(define (even? n) (if (= n 0) #t (odd? (- n 1))))",
            "(define (odd? n) (if (= n 0) #f (even? (- n 1))))",
            "(even? 1001)",
            "(fact 21)",
            "(fact 3)");

    assertThat(out)
        .containsExactly(
            "fact",
            "2432902008176640000",
            "make-adder",
            "add5",
            "42",
            "24",
            "big",
            "count",
            "5000",
            "even?",
            "odd?",
            "#f",
            "error: integer overflow",
            "6");
  }

  @Test
  void expressionErrors_areOneInBandLineEach_andTheSessionContinues() {
    List<String> out =
        session(
            "(/ 1 0)",
            "(* 4611686018427387904 2)",
            "(- -9223372036854775807 2)",
            "(- -9223372036854775808)",
            "(/ -9223372036854775808 -1)",
            "(+ 1 2",
            "(+ 1 2))",
            "(+ 1 2) (+ 3 4)",
            "(string-append \"abc)",
            "(+ 99999999999999999999 1)",
            "(undefined-thing 1)",
            "(5 1)",
            "(+ 1 \"a\")",
            "((lambda (x y) x) 1)",
            "(get \"nothing\")",
            "(set \"locked\" \"x\")",
            "(if #t 1)",
            "(define if 3)",
            "()",
            "(+ 1 2)");

    assertThat(out)
        .containsExactly(
            "error: division by zero",
            "error: integer overflow",
            "error: integer overflow",
            "error: integer overflow",
            "error: integer overflow",
            "error: unbalanced parentheses: missing )",
            "error: unbalanced parentheses: unexpected )",
            "error: one expression per line",
            "error: unterminated string",
            "error: integer literal out of range: 99999999999999999999",
            "error: unbound variable: undefined-thing",
            "error: not a procedure: 5",
            "error: + expects integers",
            "error: the procedure expects 2 arguments, got 1",
            "error: no value for key 'nothing'",
            "error: key 'locked' is read-only",
            "error: usage: (if TEST THEN ELSE)",
            "error: if is a special form and cannot be bound",
            "error: cannot evaluate ()",
            "3");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void deepRecursion_isBoundedInBand_andTheSessionContinues(ExecutionMode mode) {
    // 500 nested evaluations fit in 1 MiB of guest stack when the code is warm, but not always when it runs cold in
    // the compiler (seen in the full suite): the shell server gives its sessions 8 MiB, and so does this test.
    limits = PluginLimits.builder().guestStackBytes(8 << 20).build();

    List<String> out =
        session(
            mode,
            "(define (deep n) (if (= n 0) 0 (+ 1 (deep (- n 1)))))",
            "(deep 450)",
            "(deep 1000000)",
            "(define (forever) (+ 1 (forever)))",
            "(forever)",
            "(" + "+ 1 (".repeat(600) + "+" + ")".repeat(601),
            "(".repeat(100_000) + ")".repeat(100_000),
            "(deep 10)");

    assertThat(out)
        .containsExactly(
            "deep",
            "450",
            "error: recursion too deep",
            "forever",
            "error: recursion too deep",
            "error: recursion too deep",
            "error: expression nested too deeply",
            "10");
  }

  /** Closures defined inside procedures form reference cycles; a long chain of them is freed without recursion. */
  @Test
  void closureCyclesAndLongScopeChains_areFreedAndTheSessionContinues() {
    List<String> out =
        session(
            "(define (cyclic n) (define (self) n) (if (= n 0) 0 (cyclic (- n 1))))",
            "(cyclic 20000)",
            "(define (chain n acc) (if (= n 0) acc (chain (- n 1) (lambda () (acc)))))",
            "(define long (chain 20000 (lambda () 7)))",
            "(long)",
            "(define long 0)",
            "(sum)");

    assertThat(out).containsExactly("cyclic", "0", "chain", "long", "7", "long", "0");
  }

  /** A loop in tail position runs in constant space until the host stops it: that is how the server's limits work. */
  @Test
  void anEndlessTailLoop_runsUntilTheHostStopsIt() {
    PluginHost limited =
        PluginHost.builder()
            .grants(Grants.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT).build())
            .hostImports(SharedState.class, state)
            .limits(PluginLimits.builder().callTimeout(Duration.ofMillis(1500)).build())
            .build();
    host = limited;
    Plugin repl = limited.load(SamplePlugins.bytes("shell-repl.wasm"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] input = "add 1\n(begin (define f (lambda () (f))) (f))\nsum\n".getBytes(StandardCharsets.UTF_8);

    try (PluginInstance instance =
        repl.instantiate(InstanceOptions.builder().stdin(new ByteArrayInputStream(input)).stdout(out).build())) {
      assertThatThrownBy(instance::run).isInstanceOf(CallTimeoutException.class);
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("ok\n");
    Fixtures.assertHealthy(limited);
  }

  /** Each line is answered before the next one is written: the REPL never waits for more input first. */
  @Test
  void interactiveSession_answersEachLineBeforeTheNextIsSent() throws Exception {
    Plugin repl = host(ExecutionMode.COMPILER).load(SamplePlugins.bytes("shell-repl.wasm"));
    PipedOutputStream toGuest = new PipedOutputStream();
    PipedInputStream guestStdin = new PipedInputStream(toGuest, 1 << 16);
    PipedInputStream fromGuest = new PipedInputStream(1 << 16);
    OutputStream guestStdout = new PipedOutputStream(fromGuest);
    // Java's pipes fail once the thread that last used the other end has ended: one long-lived thread each.
    ExecutorService guestThread = Executors.newSingleThreadExecutor();
    ExecutorService readerThread = Executors.newSingleThreadExecutor();
    try {
      exchange(repl, toGuest, guestStdin, fromGuest, guestStdout, guestThread, readerThread);
    } finally {
      guestThread.shutdownNow();
      readerThread.shutdownNow();
    }
  }

  private static void exchange(
      Plugin repl,
      OutputStream toGuest,
      PipedInputStream guestStdin,
      PipedInputStream fromGuest,
      OutputStream guestStdout,
      ExecutorService guestThread,
      ExecutorService readerThread)
      throws Exception {
    Future<Integer> exit =
        guestThread.submit(
            () -> {
              try (PluginInstance instance =
                  repl.instantiate(InstanceOptions.builder().stdin(guestStdin).stdout(guestStdout).build())) {
                return instance.run();
              } finally {
                guestStdout.close();
              }
            });
    BufferedReader answers = new BufferedReader(new InputStreamReader(fromGuest, StandardCharsets.UTF_8));

    String[][] exchange = {
      {"add 5", "ok"},
      {"sum", "5"},
      {"(define (sq x) (* x x))", "sq"},
      {"(sq 12)", "144"},
      {"oops", "error: unknown command: oops"},
      {"", ""},
      {"set name shell", "ok"},
      {"get name", "shell"},
    };
    for (String[] step : exchange) {
      toGuest.write((step[0] + "\n").getBytes(StandardCharsets.UTF_8));
      toGuest.flush();
      String answer = readerThread.submit(answers::readLine).get(10, TimeUnit.SECONDS);
      assertThat(answer).as("answer to %s", step[0]).isEqualTo(step[1]);
    }
    toGuest.close();
    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(readerThread.submit(answers::readLine).get(10, TimeUnit.SECONDS)).isNull();
  }

  /** Many lines, each answered by exactly one line in order. */
  @Test
  void everyInputLineGetsExactlyOneOutputLine() {
    List<String> lines = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      switch (i % 5) {
        case 0 -> {
          lines.add("add " + i);
          expected.add("ok");
        }
        case 1 -> {
          lines.add("(+ " + i + " 1)");
          expected.add(String.valueOf(i + 1));
        }
        case 2 -> {
          lines.add("");
          expected.add("");
        }
        case 3 -> {
          lines.add("bogus " + i);
          expected.add("error: unknown command: bogus");
        }
        default -> {
          lines.add("(/ " + i + " 0)");
          expected.add("error: division by zero");
        }
      }
    }

    assertThat(session(lines.toArray(String[]::new))).containsExactlyElementsOf(expected);
  }
}
