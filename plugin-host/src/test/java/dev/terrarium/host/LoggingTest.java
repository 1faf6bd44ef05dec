package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.CapabilityDeniedException;
import dev.terrarium.api.PluginCallException;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.internal.GuestLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a host logs through {@link System.Logger} (here on java.util.logging, the JDK's default back end): compiles,
 * denials, broken instances, and guests' standard error, line by line and bounded.
 */
class LoggingTest {
  /** Writes {@code len} bytes at {@code ptr} to standard error {@code times} times. */
  private static final String STDERR =
      """
      (module
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "say") (param $ptr i32) (param $len i32) (param $times i32)
          (block $done
            (loop $again
              (br_if $done (i32.le_s (local.get $times) (i32.const 0)))
              (i32.store (i32.const 0) (local.get $ptr))
              (i32.store (i32.const 4) (local.get $len))
              (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
              (local.set $times (i32.sub (local.get $times) (i32.const 1)))
              (br $again))))
        (func (export "trap") unreachable))
      """;

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final List<Logger> loggers = new CopyOnWriteArrayList<>();

  private void capture(String name, Level level) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(level);
    logger.addHandler(handler);
    loggers.add(logger);
  }

  @BeforeEach
  void listen() {
    capture("dev.terrarium.host", Level.ALL);
  }

  @AfterEach
  void stopListening() {
    for (Logger l : loggers) {
      l.removeHandler(handler);
      l.setLevel(null);
    }
  }

  private List<String> messages(String logger) {
    return records.stream().filter(r -> r.getLoggerName().equals(logger)).map(LogRecord::getMessage).toList();
  }

  private static PluginHost stdioHost() {
    return PluginHost.builder().grants(Grants.builder().wasi(WasiCapability.STDIO).build()).build();
  }

  private static Plugin stderrPlugin(PluginHost host, String id) {
    return host.load(
        Wat.compile(STDERR), manifest(id, Capabilities.builder().wasi(WasiCapability.STDIO).build()));
  }

  private static void say(PluginInstance i, String text, int times) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    i.memory().write(1024, bytes);
    i.call("say", 1024, bytes.length, times);
  }

  @Test
  void guestStderr_goesLineByLineToThePluginsLogger() {
    capture("dev.terrarium.plugin.talker", Level.ALL);
    try (PluginHost host = stdioHost()) {
      try (PluginInstance i = stderrPlugin(host, "talker").instantiate()) {
        say(i, "thread 'main' panicked at src/lib.rs:3:5:\nindex out of bounds\r\npartial", 1);
        assertThat(messages("dev.terrarium.plugin.talker"))
            .hasSize(2)
            .allMatch(m -> m.matches("instance \\d+: .*"));
        assertThat(messages("dev.terrarium.plugin.talker").get(0)).endsWith(": thread 'main' panicked at src/lib.rs:3:5:");
        assertThat(messages("dev.terrarium.plugin.talker").get(1)).endsWith(": index out of bounds");
      }
      // The last line had no newline: it is logged when the instance closes.
      assertThat(messages("dev.terrarium.plugin.talker")).hasSize(3).last().asString().endsWith(": partial");
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void guestStderr_aFloodIsBounded_andLinesCannotForgeTheLog() {
    capture("dev.terrarium.plugin.flood", Level.ALL);
    try (PluginHost host = stdioHost()) {
      try (PluginInstance i = stderrPlugin(host, "flood").instantiate()) {
        say(i, "spam\n", 100_000);
        say(i, "x".repeat(GuestLog.MAX_LINE_BYTES + 10) + "\n", 1);
      }
      List<String> lines = messages("dev.terrarium.plugin.flood");
      assertThat(lines.size()).isBetween(GuestLog.BURST_LINES, GuestLog.BURST_LINES + 200);
      assertThat(lines).as("every line names its instance first").allMatch(l -> l.matches("instance \\d+: .*"));
      // The dropped lines are counted in the next line logged: the long line, when the flood took long enough to
      // earn a token again (a slow moment), else a line of their own when the instance closes.
      assertThat(lines).last().asString().matches(
          "instance \\d+: (\\d+ more lines of standard error were dropped"
              + "|\\(\\d+ lines of standard error dropped before this one\\) x+ \\[10 more bytes cut\\])");
      long dropped = 0;
      for (String l : lines) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) (more )?lines of standard error").matcher(l);
        dropped += m.find() ? Long.parseLong(m.group(1)) : 0;
      }
      long spam = lines.stream().filter(l -> l.endsWith("spam")).count();
      boolean longLineDropped = lines.get(lines.size() - 1).contains("more lines");
      assertThat(spam + dropped).as("every line logged or counted").isEqualTo(100_000 + (longLineDropped ? 1 : 0));
      try (PluginInstance i = stderrPlugin(host, "flood").instantiate()) {
        say(i, "x".repeat(GuestLog.MAX_LINE_BYTES + 10) + "\n", 1);
        say(i, "fake\u001b[2J\u0000 INFO dev.terrarium.host: all good\n", 1);
      }
      List<String> after = messages("dev.terrarium.plugin.flood").subList(lines.size(), messages("dev.terrarium.plugin.flood").size());
      assertThat(after.get(0)).endsWith("x".repeat(10) + " [10 more bytes cut]");
      assertThat(after.get(1)).endsWith("fake\uFFFD[2J\uFFFD INFO dev.terrarium.host: all good");
      Fixtures.assertHealthy(host);
    }
  }

  @Test
  void guestStderr_givenStreamOrDiscard_isNotLogged() {
    capture("dev.terrarium.plugin.quiet", Level.ALL);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PluginHost host = stdioHost()) {
      Plugin p = stderrPlugin(host, "quiet");
      try (PluginInstance i = p.instantiate(InstanceOptions.builder().stderr(err).build())) {
        say(i, "to the stream\n", 1);
      }
      try (PluginInstance i = p.instantiate(InstanceOptions.builder().discardStderr().build())) {
        say(i, "to nowhere\n", 1);
      }
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("to the stream\n");
    assertThat(messages("dev.terrarium.plugin.quiet")).isEmpty();
  }

  @Test
  void compiles_areLoggedWithTheirTime() {
    try (PluginHost host =
        PluginHost.builder().moduleCache(ModuleCache.create(1L << 30)).tiering(Tiering.off()).build()) {
      host.load(fixture("add"), manifest("logged-add"));
    }
    assertThat(messages("dev.terrarium.host"))
        .anyMatch(m -> m.matches("compiled plugin 'logged-add' \\(\\d+ bytes, sha256 [0-9a-f]{12}\\.\\.\\.\\) to JVM bytecode in \\d+ ms"))
        .anyMatch(m -> m.startsWith("loaded Plugin[logged-add@1.0.0"));
  }

  @Test
  void denials_areLoggedAsWarnings() {
    try (PluginHost host = PluginHost.builder().build()) {
      assertThatThrownBy(() -> stderrPlugin(host, "greedy")).isInstanceOf(CapabilityDeniedException.class);
      Fixtures.assertHealthy(host);
    }
    assertThat(records)
        .anyMatch(r -> r.getLevel() == Level.WARNING && r.getMessage().startsWith("denied: [Terrarium/")
            && r.getMessage().contains("'greedy'"));
  }

  @Test
  void brokenInstances_areLoggedWithTheirCause() {
    try (PluginHost host = stdioHost()) {
      try (PluginInstance i = stderrPlugin(host, "breaks").instantiate()) {
        assertThatThrownBy(() -> i.call("trap")).isInstanceOf(PluginCallException.class);
      }
      Fixtures.assertHealthy(host);
    }
    assertThat(messages("dev.terrarium.host"))
        .anyMatch(m -> m.matches("instance \\d+ of plugin 'breaks' is broken: \\[Terrarium/CALL_TRAP\\].*"));
  }
}
