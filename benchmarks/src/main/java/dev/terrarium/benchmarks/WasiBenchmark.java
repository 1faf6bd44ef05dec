package dev.terrarium.benchmarks;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.Grants;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.fs.MemoryFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import run.endive.runtime.ExportFunction;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.wasi.WasiOptions;
import run.endive.wasi.WasiPreview1;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmModule;

/**
 * WASI I/O through Terrarium's own WASI against Endive's {@code WasiPreview1}, on the same compiled module
 * ({@code fixtures/wasi-io.wasm}) in the same run. One operation is one WASI call made from a guest loop of
 * {@value #CALLS} (so the export call is spread over them):
 *
 * <ul>
 *   <li>{@code *Write1}: {@code fd_write} of 1 byte to stdout, a Java {@code OutputStream} that counts bytes.
 *   <li>{@code *Read64k}: {@code fd_seek} to 0 then {@code fd_read} of 64 KiB from a file of an in-memory file
 *       system: Terrarium's {@code MemoryFileSystem}, and for Endive a Jimfs directory (Endive's WASI takes any
 *       NIO path; Terrarium's memory file system is Jimfs underneath too).
 * </ul>
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar WasiBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class WasiBenchmark {
  static final String MODULE = "fixtures/wasi-io.wasm";
  static final int CALLS = 100;
  static final int FILE_BYTES = 64 * 1024;

  /** Counts what it is given, so that the JIT cannot drop the writes. */
  static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }

  private final CountingStream rawOut = new CountingStream();
  private final CountingStream terrariumOut = new CountingStream();

  private FileSystem jimfs;
  private WasiPreview1 rawWasi;
  private ExportFunction rawWrite1;
  private ExportFunction rawRead64k;
  private int rawFd;

  private PluginHost host;
  private MemoryFileSystem memoryFs;
  private PluginInstance instance;
  private GuestFunction write1;
  private GuestFunction read64k;
  private int fd;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] bytes = Setups.bytes(MODULE);
    byte[] content = new byte[FILE_BYTES];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) i;
    }
    try {
      jimfs = Jimfs.newFileSystem(Configuration.unix());
      Path data = jimfs.getPath("/data");
      Files.createDirectories(data);
      Files.write(data.resolve("data.bin"), content);

      WasmModule parsed = Parser.parse(bytes);
      rawWasi =
          WasiPreview1.builder()
              .withOptions(
                  WasiOptions.builder()
                      .withArguments(List.of("wasi-io"))
                      .withStdin(InputStream.nullInputStream(), false)
                      .withStdout(rawOut, false)
                      .withStderr(OutputStream.nullOutputStream(), false)
                      .withDirectory("/data", data)
                      .build())
              .build();
      Instance raw =
          Setups.rawInstance(
              parsed,
              Setups.rawCompile(parsed, null),
              ImportValues.builder().addFunction(rawWasi.toHostFunctions()).build());
      rawWrite1 = raw.export("write1");
      rawRead64k = raw.export("read64k");
      rawFd = (int) raw.export("open").apply(3)[0];
      Setups.expect(rawFd > 3, "Endive's WASI could not open data.bin: " + rawFd);

      memoryFs = MemoryFileSystem.builder().build();
      Files.write(memoryFs.path("/data.bin"), content);
      host =
          PluginHost.builder()
              .grants(Grants.builder().wasi(WasiCapability.STDIO, WasiCapability.FILES).build())
              .build();
      instance =
          host.load(
                  bytes,
                  PluginManifest.of("wasi-io", "1.0.0")
                      .withCapabilities(
                          Capabilities.builder().wasi(WasiCapability.STDIO, WasiCapability.FILES).build()))
              .instantiate(
                  InstanceOptions.builder()
                      .stdout(terrariumOut)
                      .mount("/data", memoryFs.root(), MountMode.READ_ONLY)
                      .build());
      write1 = instance.function("write1");
      read64k = instance.function("read64k");
      fd = (int) instance.call("open", 3)[0];
      Setups.expect(fd > 3, "Terrarium's WASI could not open data.bin: " + fd);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Setups.expect(rawWrite1(), 0);
    Setups.expect(terrariumWrite1(), 0);
    Setups.expect(rawRead64k(), (long) CALLS * FILE_BYTES);
    Setups.expect(terrariumRead64k(), (long) CALLS * FILE_BYTES);
    Setups.expect(rawOut.count == CALLS && terrariumOut.count == CALLS, "every fd_write wrote one byte");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    instance.close();
    host.close();
    memoryFs.close();
    rawWasi.close();
    jimfs.close();
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public long[] rawWrite1() {
    return rawWrite1.apply(CALLS);
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public long[] terrariumWrite1() {
    return write1.call(CALLS);
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public long[] rawRead64k() {
    return rawRead64k.apply(rawFd, CALLS);
  }

  @Benchmark
  @OperationsPerInvocation(CALLS)
  public long[] terrariumRead64k() {
    return read64k.call(fd, CALLS);
  }
}
