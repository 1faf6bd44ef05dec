package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.fs.DirectoryNode;
import dev.terrarium.host.fs.HostDirectory;
import dev.terrarium.host.fs.MemoryFileSystem;
import dev.terrarium.host.fs.Nodes;
import dev.terrarium.host.fs.Overlay;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The C and Rust WASI probes of sample-plugins (every preview 1 function and its error paths, one {@code ok} or
 * {@code FAIL} line per check) on Terrarium's WASI, over each kind of file system, under both engines.
 */
class WasiConformanceTest {
  @TempDir Path temp;

  enum Sandbox {
    MEMORY,
    HOST,
    OVERLAY
  }

  static List<Arguments> probes() {
    List<Arguments> out = new ArrayList<>();
    for (String probe : List.of("wasi-check-c.wasm", "wasi-check-rust.wasm")) {
      for (ExecutionMode mode : ExecutionMode.values()) {
        for (Sandbox sandbox : Sandbox.values()) {
          out.add(Arguments.of(probe, mode, sandbox));
        }
      }
    }
    return out;
  }

  /** The file system of that kind: over {@code dir} (as the overlay's lower layer), or {@code memory}'s root. */
  private static DirectoryNode sandbox(Sandbox kind, Path dir, MemoryFileSystem memory) {
    return switch (kind) {
      case MEMORY -> memory.root();
      case HOST -> HostDirectory.of(dir, MountMode.READ_WRITE);
      case OVERLAY -> Overlay.of(HostDirectory.of(dir, MountMode.READ_ONLY), memory.root());
    };
  }

  private static PluginHost host(ExecutionMode mode) {
    return PluginHost.builder().executionMode(mode).grants(Grants.builder().allWasi().build()).build();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("probes")
  void probe_passesEveryCheck(String probe, ExecutionMode mode, Sandbox kind) throws Exception {
    Path ro = Files.createDirectory(temp.resolve("ro"));
    Files.writeString(ro.resolve("hello.txt"), "hello\n");
    Path sandboxDir = Files.createDirectory(temp.resolve("sandbox"));
    try (PluginHost host = host(mode);
        MemoryFileSystem memory = MemoryFileSystem.builder().build()) {
      DirectoryNode sandbox = sandbox(kind, sandboxDir, memory);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code;
      try (PluginInstance i =
          host.load(Fixtures.bytes(probe))
              .instantiate(
                  InstanceOptions.builder()
                      .args("/sandbox")
                      .env("WASI_CHECK", "1")
                      .stdout(out)
                      .stderr(err)
                      .mount("/sandbox", sandbox, MountMode.READ_WRITE)
                      .mount("/ro", HostDirectory.of(ro, MountMode.READ_ONLY), MountMode.READ_ONLY)
                      .build())) {
        code = i.run();
      }
      String report = out.toString(StandardCharsets.UTF_8);
      List<String> failures = report.lines().filter(l -> !l.startsWith("ok ")).toList();
      assertThat(failures).as("checks that did not pass; stderr: %s", err).isEmpty();
      assertThat(report.lines().count()).as("the probe ran its checks").isGreaterThan(20);
      assertThat(code).isZero();
      assertThat(Files.readString(ro.resolve("hello.txt"))).isEqualTo("hello\n");
      assertThat(ro.toFile().list()).containsExactly("hello.txt");
      if (kind == Sandbox.OVERLAY) {
        assertThat(sandboxDir.toFile().list()).as("the overlay's lower directory is untouched").isEmpty();
      }
    }
  }

  @Test
  void sockets_failWithAnErrnoAndNeverTrap() {
    try (PluginHost host = host(ExecutionMode.COMPILER)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i =
          host.load(Fixtures.bytes("wasi-sockets.wasm")).instantiate(InstanceOptions.builder().stdout(out).build())) {
        assertThat(i.run()).as(out.toString(StandardCharsets.UTF_8)).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("FAIL").contains("ok ");
    }
  }

  @Test
  void tenants_runningTheSamePluginConcurrently_neverSeeEachOthersFiles() throws Exception {
    try (PluginHost host = host(ExecutionMode.COMPILER);
        MemoryFileSystem unrelated = MemoryFileSystem.builder().build()) {
      Plugin plugin = host.load(Fixtures.bytes("wasi-tenant.wasm"));
      // Each run has a directory of its own within its tenant's file system, so that two runs of one tenant do
      // not race on one owner.txt (one truncating it as the other reads it); runs of the two tenants overlap,
      // at the same guest paths.
      for (int round = 0; round < 4; round++) {
        for (String tenant : List.of("acme", "globex")) {
          Files.createDirectory(host.tenant(tenant).fileSystem().path("/r" + round));
        }
        Files.writeString(host.tenant("acme").fileSystem().path("/r" + round + "/acme-only.txt"), "a");
      }
      host.tenant("acme").fileSystem().recount();
      host.tenant("globex").fileSystem().recount();
      List<Callable<String>> runs = new ArrayList<>();
      for (int round = 0; round < 4; round++) {
        String dir = "/home/r" + round;
        for (String tenant : List.of("acme", "globex")) {
          runs.add(
              () -> {
                Tenant t = host.tenant(tenant);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                try (PluginInstance i =
                    plugin.instantiate(
                        t,
                        InstanceOptions.builder()
                            .args(dir, tenant)
                            .stdout(out)
                            .stderr(err)
                            .mount("/home", t.fileSystem().root(), MountMode.READ_WRITE)
                            .build())) {
                  assertThat(i.run()).as("stderr: %s", err).isZero();
                }
                return tenant + ":" + out.toString(StandardCharsets.UTF_8);
              });
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        for (Future<String> f : pool.invokeAll(runs)) {
          String result = f.get();
          if (result.startsWith("acme:")) {
            assertThat(result).isEqualTo("acme:file acme-only.txt\nfile owner.txt\nowner acme\n");
          } else {
            assertThat(result).isEqualTo("globex:file owner.txt\nowner globex\n");
          }
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(Files.readString(host.tenant("globex").fileSystem().path("/r3/owner.txt"))).isEqualTo("globex");
      assertThat(unrelated.usedEntries()).isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Sandbox.class)
  void createWithoutExcl_racingOtherInstancesOnOneDirectory_alwaysOpens(Sandbox kind) throws Exception {
    Path sandboxDir = Files.createDirectory(temp.resolve("shared"));
    try (PluginHost host = host(ExecutionMode.COMPILER);
        MemoryFileSystem memory = MemoryFileSystem.builder().build()) {
      DirectoryNode shared = sandbox(kind, sandboxDir, memory);
      Plugin plugin =
          host.load(
              Fixtures.bytes("fixtures/wasi-create-race.wasm"),
              Fixtures.manifest(
                  "create-race",
                  Capabilities.builder().wasi(WasiCapability.FILES, WasiCapability.STDIO).build()));
      InstanceOptions options = InstanceOptions.builder().mount("/shared", shared, MountMode.READ_WRITE).build();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try (PluginInstance a = plugin.instantiate(options);
          PluginInstance b = plugin.instantiate(options)) {
        // Both create, close and remove the same name as fast as they can, so that one often creates it between
        // the other's lookup and create, or removes it between the other's create and open.
        List<Future<Integer>> failed = new ArrayList<>();
        for (PluginInstance i : List.of(a, b)) {
          failed.add(pool.submit(() -> (int) i.call("churn", 3, 20_000)[0]));
        }
        for (int k = 0; k < 2; k++) {
          int count = failed.get(k).get();
          long lastErrno = List.of(a, b).get(k).call("last_errno")[0];
          assertThat(count).as("failed opens, the last with errno %d", lastErrno).isZero();
        }
        assertThat(a.call("churn", 3, 1)[0]).as("a later open on its own").isZero();
      } finally {
        pool.shutdownNow();
      }
      assertThat(sandboxDir.toFile().list()).as("every name created was removed again").isEmpty();
      assertThat(memory.usedEntries()).as("the quota's count of entries agrees").isZero();
    }
  }

  @Test
  void tenantQuota_aWritePastItFailsInTheGuestAndTheHostGoesOn() throws Exception {
    try (PluginHost host =
        PluginHost.builder().grants(Grants.builder().allWasi().build()).tenantFileSystemQuota(4, 100).build()) {
      Plugin plugin = host.load(Fixtures.bytes("wasi-tenant.wasm"));
      Tenant small = host.tenant("small");
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      try (PluginInstance i =
          plugin.instantiate(
              small,
              InstanceOptions.builder()
                  .args("/home", "much-too-long-for-the-quota")
                  .stderr(err)
                  .mount("/home", small.fileSystem().root(), MountMode.READ_WRITE)
                  .build())) {
        assertThat(i.run()).isNotZero();
      }
      assertThat(small.fileSystem().usedBytes()).isZero();
      Tenant roomy = host.tenant("roomy");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (PluginInstance i =
          plugin.instantiate(
              roomy,
              InstanceOptions.builder()
                  .args("/home", "ok")
                  .stdout(out)
                  .mount("/home", Nodes.readOnly(roomy.fileSystem().root()), MountMode.READ_WRITE)
                  .build())) {
        assertThat(i.run()).as("a read-only view refuses the write").isNotZero();
      }
      try (PluginInstance i =
          plugin.instantiate(
              roomy,
              InstanceOptions.builder()
                  .args("/home", "ok")
                  .stdout(out)
                  .mount("/home", roomy.fileSystem().root(), MountMode.READ_WRITE)
                  .build())) {
        assertThat(i.run()).isZero();
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("owner ok\n");
    }
  }
}
