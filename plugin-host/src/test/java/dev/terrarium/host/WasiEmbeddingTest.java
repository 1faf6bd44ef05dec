package dev.terrarium.host;

import static dev.terrarium.host.Fixtures.fixture;
import static dev.terrarium.host.Fixtures.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.CapabilityDeniedException;
import dev.terrarium.api.DeniedImport;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.fs.MemoryFileSystem;
import dev.terrarium.host.fs.ProvidedFiles;
import dev.terrarium.host.wasi.Errno;
import dev.terrarium.host.wasi.OpenDescriptor;
import dev.terrarium.host.wasi.WasiCall;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Terrarium's own WASI as an embedding host sees it: old binaries, hostile pointers, trace, descriptors. */
class WasiEmbeddingTest {
  private static final Capabilities HOSTILE_CAPS =
      Capabilities.builder()
          .wasi(
              WasiCapability.STDIO,
              WasiCapability.EXIT,
              WasiCapability.RANDOM,
              WasiCapability.POLL,
              WasiCapability.ARGS,
              WasiCapability.CLOCKS)
          .build();
  private static final Capabilities FILES_TOO =
      Capabilities.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT, WasiCapability.FILES).build();
  private static final Capabilities STDIO_EXIT =
      Capabilities.builder().wasi(WasiCapability.STDIO, WasiCapability.EXIT).build();

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void wasiUnstable_oldBinariesRunWithTheirOwnLayouts(ExecutionMode mode) {
    try (PluginHost host = allWasi(mode)) {
      Plugin old = host.load(fixture("wasi-unstable"), manifest("old", STDIO_EXIT));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i = old.instantiate(InstanceOptions.builder().stdout(out).build())) {
        assertThat(i.run()).isEqualTo(7);
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("old wasi\n");
      try (PluginInstance i = old.instantiate()) {
        assertThat(i.call("seek_stdout")[0]).isEqualTo(Errno.SPIPE.code());
        assertThat(i.call("stat_stdin")[0]).isZero();
        assertThat(i.call("filetype")[0]).as("filetype at offset 16 of the snapshot 0 filestat").isEqualTo(2);
      }
    }
  }

  @Test
  void wasiUnstable_needsTheSameCapabilityGroups() {
    try (PluginHost host = allWasi(ExecutionMode.COMPILER)) {
      assertThatThrownBy(
              () ->
                  host.load(
                      fixture("wasi-unstable"),
                      manifest("old", Capabilities.builder().wasi(WasiCapability.STDIO).build())))
          .isInstanceOfSatisfying(
              CapabilityDeniedException.class,
              e ->
                  assertThat(e.denied())
                      .extracting(DeniedImport::module, DeniedImport::name)
                      .containsExactly(org.assertj.core.groups.Tuple.tuple("wasi_unstable", "proc_exit")));
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hostilePointers_getAnErrnoAndTheInstanceLives(ExecutionMode mode) {
    try (PluginHost host = allWasi(mode)) {
      Plugin p = host.load(fixture("wasi-hostile"), manifest("hostile", HOSTILE_CAPS));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i = p.instantiate(InstanceOptions.builder().stdout(out).build())) {
        assertThat(i.call("iovs_past_end")[0]).isEqualTo(Errno.FAULT.code());
        assertThat(i.call("buffer_past_end")[0]).isEqualTo(Errno.FAULT.code());
        assertThat(i.call("wrapping_length")[0]).isEqualTo(Errno.FAULT.code());
        assertThat(i.call("random_past_end")[0]).isEqualTo(Errno.FAULT.code());
        assertThat(i.call("args_past_end")[0]).isEqualTo(Errno.FAULT.code());
        assertThat(i.call("bad_clock")[0]).isEqualTo(Errno.INVAL.code());
        assertThat(i.call("close_unknown")[0]).isEqualTo(Errno.BADF.code());
        assertThat(i.call("socket_on_stdin")[0]).isEqualTo(Errno.NOTSOCK.code());
        assertThat(i.call("poll_too_many")[0]).isEqualTo(Errno.INVAL.code());
        assertThat(out.size()).as("nothing was written by the refused calls").isZero();
        assertThat(i.call("write_ok")[0]).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("!");
      assertHealthy(host);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aPollThatWouldSleepAnHour_isStoppedByTheCallDeadline(ExecutionMode mode) {
    try (PluginHost host =
        PluginHost.builder()
            .executionMode(mode)
            .grants(Grants.builder().allWasi().build())
            .limits(dev.terrarium.api.PluginLimits.builder().callTimeout(java.time.Duration.ofMillis(300)).build())
            .build()) {
      Plugin p = host.load(fixture("wasi-hostile"), manifest("sleeper", HOSTILE_CAPS));
      long start = System.nanoTime();
      try (PluginInstance i = p.instantiate()) {
        assertThatThrownBy(() -> i.call("sleep_an_hour")).isInstanceOf(dev.terrarium.api.CallTimeoutException.class);
      }
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(10));
      assertHealthy(host);
    }
  }

  @Test
  void randomSeed_makesRandomGetDeterministic() {
    try (PluginHost host = allWasi(ExecutionMode.COMPILER)) {
      Plugin p = host.load(fixture("wasi-hostile"), manifest("random", HOSTILE_CAPS));
      byte[] a = random16(p, InstanceOptions.builder().randomSeed(42).build());
      byte[] b = random16(p, InstanceOptions.builder().randomSeed(42).build());
      byte[] c = random16(p, InstanceOptions.builder().randomSeed(43).build());
      byte[] s1 = random16(p, InstanceOptions.defaults());
      byte[] s2 = random16(p, InstanceOptions.defaults());
      assertThat(a).isEqualTo(b).isNotEqualTo(c);
      assertThat(s1).isNotEqualTo(s2).isNotEqualTo(new byte[16]);
    }
  }

  private static byte[] random16(Plugin p, InstanceOptions options) {
    try (PluginInstance i = p.instantiate(options)) {
      assertThat(i.call("random16")[0]).isZero();
      return i.memory().read(200, 16);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void trace_recordsEveryCallWithItsErrno(ExecutionMode mode) {
    try (PluginHost host = allWasi(mode)) {
      Plugin old = host.load(fixture("wasi-unstable"), manifest("old", STDIO_EXIT));
      List<WasiCall> calls = new ArrayList<>();
      try (PluginInstance i = old.instantiate(InstanceOptions.builder().wasiTrace(calls::add).build())) {
        assertThat(i.run()).isEqualTo(7);
      }
      assertThat(calls).extracting(WasiCall::function).containsExactly("fd_write", "proc_exit");
      assertThat(calls.get(0).module()).isEqualTo("wasi_unstable");
      assertThat(calls.get(0).args()).containsExactly(1, 0, 1, 8);
      assertThat(calls.get(0).errno()).isEqualTo(Errno.SUCCESS);
      assertThat(calls.get(0).nanos()).isPositive();
      assertThat(calls.get(1).errno()).as("proc_exit does not return").isNull();
      assertThat(calls.get(0).toString()).startsWith("fd_write(1, 0, 1, 8) -> SUCCESS [");
    }
  }

  @Test
  void trace_aConsumerThatThrowsFailsTheCallAsAHostFunctionAndTheHostGoesOn() {
    try (PluginHost host = allWasi(ExecutionMode.COMPILER)) {
      Plugin old = host.load(fixture("wasi-unstable"), manifest("old", STDIO_EXIT));
      try (PluginInstance i =
          old.instantiate(
              InstanceOptions.builder()
                  .wasiTrace(
                      call -> {
                        throw new IllegalStateException("trace store is full");
                      })
                  .build())) {
        assertThatThrownBy(i::run)
            .isInstanceOf(dev.terrarium.api.HostFunctionException.class)
            .hasMessageContaining("wasi_unstable.fd_write")
            .hasRootCauseMessage("trace store is full");
      }
      assertHealthy(host);
    }
  }

  @Test
  void descriptors_openReplaceAndList() {
    try (PluginHost host = allWasi(ExecutionMode.COMPILER);
        MemoryFileSystem fs = MemoryFileSystem.builder().build()) {
      Plugin p = host.load(fixture("wasi-unstable"), manifest("old", FILES_TOO));
      ByteArrayOutputStream first = new ByteArrayOutputStream();
      ByteArrayOutputStream second = new ByteArrayOutputStream();
      try (PluginInstance i =
          p.instantiate(
              InstanceOptions.builder().stdout(first).mount("/scratch", fs.root(), MountMode.READ_WRITE).build())) {
        WasiDescriptors fds = i.wasi();
        int config = fds.open("/config.json", ProvidedFiles.bytes("{}".getBytes(StandardCharsets.UTF_8)), true, false);
        assertThat(config).isEqualTo(4);
        fds.replace(1, ProvidedFiles.output(second));
        assertThat(fds.list())
            .extracting(OpenDescriptor::fd, OpenDescriptor::type, OpenDescriptor::guestPath)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, "character device", "<stdin>"),
                org.assertj.core.groups.Tuple.tuple(1, "character device", "<stdout>"),
                org.assertj.core.groups.Tuple.tuple(2, "character device", "<stderr>"),
                org.assertj.core.groups.Tuple.tuple(3, "directory", "/scratch"),
                org.assertj.core.groups.Tuple.tuple(4, "regular file", "/config.json"));
        assertThat(fds.list().get(3).preopened()).isTrue();
        assertThat(fds.list().get(4).writable()).isFalse();
        assertThatThrownBy(() -> fds.replace(3, ProvidedFiles.output(second)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("descriptor 3 is not an open file");
        assertThatThrownBy(() -> fds.replace(99, ProvidedFiles.output(second)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(i.run()).isEqualTo(7);
      }
      assertThat(first.size()).isZero();
      assertThat(second.toString(StandardCharsets.UTF_8)).isEqualTo("old wasi\n");
    }
  }

  @Test
  void descriptors_needAPluginThatImportsWasi() {
    try (PluginHost host = allWasi(ExecutionMode.COMPILER)) {
      try (PluginInstance i = host.load(fixture("add"), manifest("add")).instantiate()) {
        assertThatThrownBy(i::wasi)
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("imports no WASI function");
      }
    }
  }

  @Test
  void mounts_clashingWithAGrantedMountAreRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    try (PluginHost host =
            PluginHost.builder()
                .grants(
                    Grants.builder()
                        .wasi(WasiCapability.STDIO, WasiCapability.EXIT, WasiCapability.FILES)
                        .mount("/data", dir, MountMode.READ_WRITE)
                        .build())
                .build();
        MemoryFileSystem fs = MemoryFileSystem.builder().build()) {
      Plugin p = host.load(fixture("wasi-unstable"), manifest("old", FILES_TOO));
      assertThatThrownBy(
              () -> p.instantiate(InstanceOptions.builder().mount("/data", fs.root(), MountMode.READ_WRITE).build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'/data' is already a mount the host grants");
      assertThatThrownBy(
              () ->
                  InstanceOptions.builder()
                      .mount("/x", fs.root(), MountMode.READ_WRITE)
                      .mount("/x", fs.root(), MountMode.READ_ONLY))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("mounted twice");
      assertThatThrownBy(() -> InstanceOptions.builder().mount("", fs.root(), MountMode.READ_WRITE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must not be empty");
    }
  }

  private static PluginHost allWasi(ExecutionMode mode) {
    return PluginHost.builder().executionMode(mode).grants(Grants.builder().allWasi().build()).build();
  }

  private static void assertHealthy(PluginHost host) {
    try (PluginInstance i = host.load(fixture("add"), manifest("adder")).instantiate()) {
      assertThat(i.call("add", 2, 3)).containsExactly(5);
    }
  }
}
