package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.MountMode;
import dev.terrarium.host.Grants;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.WasiDescriptors;
import dev.terrarium.host.fs.ProvidedFiles;
import dev.terrarium.host.fs.VirtualDirectory;
import dev.terrarium.samples.SamplePlugins;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of docs/wasi.md, compiled and run. */
class WasiSnippets {
  private static final AppLog log = new AppLog();

  @Test
  void embedding_mountsProvidedFilesAndManagesDescriptors(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("shared"));
    SamplePlugins.copyTo("sizer.wasm", Files.createDirectories(dir.resolve("plugins")));
    Files.move(dir.resolve("plugins/sizer.wasm"), dir.resolve("plugins/app.wasm"));

    // The snippet grants a relative host directory: run it in a JVM whose working directory holds "shared".
    InDirectory.Outcome outcome = InDirectory.run(dir, WasiSnippets.class);

    assertThat(outcome.output())
        .contains("/input", "/home", "/etc/app", "/shared")
        .contains("exit 2") // sizer without an argument prints its usage and exits 2
        .contains("fd_write");
    assertThat(outcome.exitCode()).isZero();
  }

  public static void main(String[] args) {
    byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream otherStream = new ByteArrayOutputStream();
    // snippet: embedding
    PluginHost host = PluginHost.builder()
        .grants(Grants.builder().allWasi().mount("/shared", Path.of("shared"), MountMode.READ_ONLY).build())
        .tenantFileSystemQuota(64 << 20, 10_000)
        .build();
    Plugin plugin = host.load(Path.of("plugins/app.wasm"));
    Tenant acme = host.tenant("acme");
    PluginInstance i = plugin.instantiate(acme, InstanceOptions.builder()
        .mount("/home", acme.fileSystem().root(), MountMode.READ_WRITE)
        .mount("/etc/app", VirtualDirectory.builder()
            .add("config.json", ProvidedFiles.bytes(config))
            .add("audit.log", ProvidedFiles.lines(log::info))
            .build(), MountMode.READ_WRITE)
        .stdout(System.out)
        .wasiTrace(call -> log.debug("{}", call))     // every WASI call, with its errno and duration
        .build());

    WasiDescriptors fds = i.wasi();
    int fd = fds.open("/input", ProvidedFiles.stream(() -> openUpload()), true, false); // before _start
    fds.replace(1, ProvidedFiles.output(otherStream));   // redirect stdout while the instance lives
    fds.list();                                          // what the guest has open
    // end snippet: embedding
    try (host; i) {
      System.out.println(fds.list());
      System.out.println("exit " + i.run());
    }
    log.lines.forEach(System.out::println);
  }

  private static InputStream openUpload() {
    return new ByteArrayInputStream(new byte[] {1, 2, 3});
  }
}
