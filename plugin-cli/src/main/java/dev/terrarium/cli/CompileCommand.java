package dev.terrarium.cli;

import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.PluginHost;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code terrarium compile}: precompiles a module into a signed file that {@code run} and hosts load as it is. */
@Command(
    name = "compile",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Precompile a module to JVM bytecode once, into a signed file that loads without compiling.",
    description = {
      "Compiles MODULE as 'terrarium run' with the same options would (--meter for --fuel/--print-fuel,"
          + " --canonicalize-nans) and writes the module, its compiled classes and the configuration they are for"
          + " into OUT, signed with your key ($XDG_CONFIG_HOME/terrarium/precompile.key, made on first use).",
      "'terrarium run OUT' and hosts that trust the key (PluginHost.Builder.trustPrecompiled; your own key is"
          + " trusted by default) load it without compiling; a host with another configuration or engine refuses"
          + " it, naming what differs.",
      ""
    },
    footer = {
      "",
      "Exit status: 0; 2 for usage errors; 70 when the module cannot be loaded or compiled.",
      "",
      "Examples:",
      "  terrarium compile app.wasm                 writes app.twasm",
      "  terrarium compile --meter -o app.twasm app.wasm && terrarium run --print-fuel app.twasm"
    })
final class CompileCommand implements Callable<Integer> {
  private final Streams io;

  @Mixin private Verbosity verbosity;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "OUT",
      description = "Where to write the precompiled plugin. Default: MODULE with .wasm replaced by .twasm.")
  private Path output;

  @Option(
      names = "--meter",
      description = "Compile for fuel metering with the default cost model, as 'run --fuel N' and 'run --print-fuel'"
          + " run modules.")
  private boolean meter;

  @Option(
      names = "--canonicalize-nans",
      description = "Compile for canonical NaNs, as 'run --canonicalize-nans' runs modules.")
  private boolean canonicalizeNaNs;

  @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
  private Path module;

  CompileCommand(Streams io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    String fileName = ModuleFiles.fileName(module);
    Path out = output != null ? output : module.resolveSibling(baseName(fileName) + ".twasm");
    if (out.toAbsolutePath().normalize().equals(module.toAbsolutePath().normalize())) {
      throw new UsageException("-o " + out + " is MODULE itself; write the precompiled plugin elsewhere");
    }
    byte[] bytes = ModuleFiles.read(module, PluginHost.DEFAULT_LIMITS.maxModuleBytes());
    if (PluginHost.isPrecompiled(bytes)) {
      throw new UsageException(fileName + " is already a precompiled plugin; give the .wasm module");
    }
    KeyPair key;
    try {
      key = PluginHost.userSigningKey();
    } catch (IllegalStateException e) {
      throw new UsageException("cannot use your signing key: " + e.getMessage());
    }
    PluginHost.Builder builder =
        PluginHost.builder().moduleCache(ModuleCache.create(ModuleCache.SHARED_MAXIMUM_WEIGHT));
    if (meter) {
      builder.meterFuel();
    }
    if (canonicalizeNaNs) {
      builder.canonicalizeNaNs();
    }
    long start = System.nanoTime();
    byte[] artifact;
    try (PluginHost host = builder.build()) {
      artifact = host.precompile(bytes, key);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    ModuleFiles.writeAtomically(out, artifact);
    io.out().println("wrote " + out + " (" + artifact.length + " bytes; compiled in " + millis + " ms"
        + (meter ? ", metered" : "") + (canonicalizeNaNs ? ", canonical NaNs" : "") + ")");
    if (verbosity.verbose) {
      io.note("signed with " + fingerprint(key.getPublic().getEncoded()) + " ("
          + ModuleCache.userKeyFile().resolveSibling("precompile.pub") + ")");
    }
    io.out().flush();
    return ExitCodes.OK;
  }

  /** The key's fingerprint as the host's errors name it: sha256: and 16 hex digits. */
  private static String fingerprint(byte[] encoded) {
    return "sha256:" + PluginHost.sha256(encoded).substring(0, 16);
  }

  private static String baseName(String fileName) {
    return fileName.endsWith(".wasm") ? fileName.substring(0, fileName.length() - 5) : fileName;
  }
}
