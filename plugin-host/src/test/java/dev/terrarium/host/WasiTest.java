package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.GuestExitException;
import dev.terrarium.api.InstanceUnusableException;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.api.WasmType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample plugins, run for real through WASI and host functions. */
class WasiTest {

  private static PluginHost fileHost(ExecutionMode mode, Path dir, MountMode mountMode) {
    return PluginHost.builder()
        .executionMode(mode)
        .grants(
            Grants.builder()
                .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
                .mount("/data", dir, mountMode)
                .build())
        .build();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void run_writesToTheGivenStdoutAndKeepsItOpen(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin p =
          host.load(fixture("wasi-hello"), manifest("hi", Capabilities.builder().wasi(WasiCapability.STDIO).build()));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OutputStream watched =
          new java.io.FilterOutputStream(out) {
            @Override
            public void close() {
              throw new AssertionError("the guest closed the host's stream");
            }
          };
      try (PluginInstance i = p.instantiate(InstanceOptions.builder().stdout(watched).build())) {
        assertThat(i.run()).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello from wasi\n");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void run_returnsTheGuestsExitCode(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin p =
          host.load(fixture("exit-code"), manifest("exit", Capabilities.builder().wasi(WasiCapability.EXIT).build()));
      try (PluginInstance i = p.instantiate()) {
        assertThat(i.run()).isEqualTo(7);
        assertThatThrownBy(i::run).isInstanceOf(InstanceUnusableException.class);
      }
      try (PluginInstance i = p.instantiate()) {
        assertThatThrownBy(() -> i.call("_start"))
            .isInstanceOfSatisfying(GuestExitException.class, e -> assertThat(e.exitCode()).isEqualTo(7));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void echoShell_echoesEveryLineOfStdin(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin echo = host.load(Fixtures.bytes("echo-shell.wasm"));
      assertThat(echo.id()).isEqualTo("echo-shell");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      String input = "first line\nsecond: ünïcödé ✓\n\nlast";
      try (PluginInstance i =
          echo.instantiate(
              InstanceOptions.builder()
                  .stdin(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)))
                  .stdout(out)
                  .build())) {
        assertThat(i.run()).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(input + "\n");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sizer_listsTheFilesOfAMountedDirectory(ExecutionMode mode, @TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("b.txt"), "abc");
    Files.write(dir.resolve("a.bin"), new byte[1000]);
    Files.createDirectory(dir.resolve("sub"));
    try (PluginHost host = fileHost(mode, dir, MountMode.READ_WRITE)) {
      Plugin sizer = host.load(Fixtures.bytes("sizer.wasm"));
      assertThat(sizer.grants().mounts()).extracting(Mount::guestPath).containsExactly("/data");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i = sizer.instantiate(InstanceOptions.builder().args("/data").stdout(out).build())) {
        assertThat(i.run()).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("1000\ta.bin\n3\tb.txt\n");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sizer_withoutAMountFailsAsWasiPrescribes(ExecutionMode mode) {
    try (PluginHost host =
        PluginHost.builder()
            .executionMode(mode)
            .grants(
                Grants.builder()
                    .wasi(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES, WasiCapability.EXIT)
                    .build())
            .build()) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      try (PluginInstance i =
          host.load(Fixtures.bytes("sizer.wasm"))
              .instantiate(InstanceOptions.builder().args("/data").stderr(err).build())) {
        assertThat(i.run()).isEqualTo(1);
      }
      assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("sizer: cannot open /data: ");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sizer_listsAReadOnlyMount(ExecutionMode mode, @TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("only.txt"), "12345");
    try (PluginHost host = fileHost(mode, dir, MountMode.READ_ONLY)) {
      Plugin sizer = host.load(Fixtures.bytes("sizer.wasm"));
      assertThat(sizer.grants().mounts()).extracting(Mount::mode).containsExactly(MountMode.READ_ONLY);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i = sizer.instantiate(InstanceOptions.builder().args("/data").stdout(out).build())) {
        assertThat(i.run()).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("5\tonly.txt\n");
    }
  }

  @Test
  void mounts_areOnlyVisibleWithTheFilesCapability(@TempDir Path dir) {
    try (PluginHost host = fileHost(ExecutionMode.COMPILER, dir, MountMode.READ_WRITE)) {
      PluginManifest noFiles =
          manifest("adder", Capabilities.builder().wasi(WasiCapability.STDIO).build());
      assertThat(host.load(fixture("add"), noFiles).grants().mounts()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hello_callsTheHostFunctionWithThree(ExecutionMode mode) {
    List<Long> received = new ArrayList<>();
    try (PluginHost host =
        PluginHost.builder()
            .executionMode(mode)
            .hostFunction(
                "host",
                "hello",
                List.of(WasmType.I32),
                List.of(),
                (ctx, args) -> {
                  received.add(args[0]);
                  assertThat(ctx.pluginId()).isEqualTo("hello");
                  assertThat(ctx.memory().size()).isPositive();
                  return null;
                })
            .build()) {
      try (PluginInstance i = host.load(Fixtures.bytes("hello.wasm")).instantiate()) {
        i.call("hello");
        i.call("hello");
      }
    }
    assertThat(received).containsExactly(3L, 3L);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void instances_doNotShareMemory(ExecutionMode mode) {
    try (PluginHost host = Fixtures.host(mode).build()) {
      Plugin p = host.load(fixture("add"), manifest("add"));
      try (PluginInstance a = p.instantiate();
          PluginInstance b = p.instantiate()) {
        a.memory().write(100, "secret".getBytes(StandardCharsets.UTF_8));
        assertThat(b.memory().read(100, 6)).containsOnly(0);
        assertThat(a.memory().readUtf8(100, 6)).isEqualTo("secret");
      }
    }
  }

  @Test
  void guestMemory_checksEveryPointerAndLength() {
    try (PluginHost host = Fixtures.host(ExecutionMode.COMPILER).build();
        PluginInstance i = host.load(fixture("add"), manifest("add")).instantiate()) {
      var memory = i.memory();
      assertThat(memory.size()).isEqualTo(65536);
      assertThatThrownBy(() -> memory.read(65530, 7))
          .isInstanceOf(dev.terrarium.api.AbiViolationException.class)
          .hasMessageContaining("range [65530, 65537) is outside the guest's 65536 bytes");
      assertThatThrownBy(() -> memory.read(-1, 1)).hasMessageContaining("range [4294967295, 4294967296)");
      assertThatThrownBy(() -> memory.read(0, -1)).hasMessageContaining("is outside");
      memory.write(0, new byte[] {(byte) 0xff, (byte) 0xfe});
      assertThatThrownBy(() -> memory.readUtf8(0, 2)).hasMessageContaining("are not valid UTF-8");
      byte[] replacementCharacter = "a\uFFFDb".getBytes(StandardCharsets.UTF_8);
      memory.write(8, replacementCharacter);
      assertThat(memory.readUtf8(8, replacementCharacter.length)).isEqualTo("a\uFFFDb");
      memory.write(16, new byte[] {'o', 'k', (byte) 0xc3});
      assertThatThrownBy(() -> memory.readUtf8(16, 3)).hasMessageContaining("are not valid UTF-8");
      assertThat(i.call("add", 1, 1)).containsExactly(2);
    }
  }
}
