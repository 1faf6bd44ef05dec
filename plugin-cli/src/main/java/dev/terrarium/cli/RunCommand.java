package dev.terrarium.cli;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.CacheStats;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.ExportDescription;
import dev.terrarium.host.GuestFunction;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Tenant;
import dev.terrarium.host.Manifests;
import dev.terrarium.host.Mount;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.fs.MemoryFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code terrarium run}: runs a WASI command, or calls one export with {@code --invoke}. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Run a WASI command, or call one export of a module with --invoke.",
    description = {
      "Runs MODULE as a WASI command (its _start export) with ARGS as its arguments, wired to this process's"
          + " stdin, stdout and stderr, and exits with the module's exit code.",
      "With --invoke NAME, calls the export NAME instead, with ARGS as its numeric arguments, and prints its"
          + " results, one per line.",
      "",
      "Everything after MODULE goes to the module, options included.",
      ""
    },
    footer = {
      "",
      "The module gets WASI args, stdio, clocks, random, poll and exit; an environment holding only the --env"
          + " variables; and only the directories mapped with --dir. Its manifest (--manifest FILE, else"
          + " NAME.manifest.json beside the module, else the embedded one) can only narrow this. A module without"
          + " any manifest is run with everything the CLI grants.",
      "",
      "Exit status: the module's exit code; 0 after a successful --invoke; 2 for usage errors;"
          + " 70 when Terrarium refuses or fails the module (the message starts with [Terrarium/CODE]).",
      "",
      "Examples:",
      "  terrarium run wasi-hello.wasm",
      "  terrarium run --dir ./data::/data sizer.wasm /data",
      "  terrarium run --dir ./shared::/shared:ro --mount-memory /tmp --trace app.wasm",
      "  terrarium run --invoke add add.wasm 1 2"
    })
final class RunCommand implements Callable<Integer> {
  private final Streams io;

  @ParentCommand private TerrariumCli parent;

  @Mixin private Verbosity verbosity;

  @Mixin private CacheOptions cacheOptions;

  private final java.util.Map<String, String> env;

  @Option(
      names = "--invoke",
      paramLabel = "NAME",
      description = "Call the export NAME with ARGS as its arguments (i32/i64: integers; f32/f64: decimals, inf,"
          + " nan) and print its results, one per line, instead of running _start.")
  private String invoke;

  @Option(
      names = "--dir",
      paramLabel = "HOST::GUEST",
      converter = DirMapping.Converter.class,
      description = "Map the host directory HOST to the guest path GUEST (absolute, e.g. /data, or relative, e.g. ."
          + " for the working directory), read-write, or read-only with"
          + " the suffix :ro (HOST::GUEST:ro). The guest cannot leave it by .., absolute paths or symbolic links."
          + " Repeatable.")
  private List<DirMapping> dirs = new ArrayList<>();

  @Option(
      names = "--mount-memory",
      paramLabel = "GUEST",
      description = "Give the guest an empty in-memory file system (at most 64 MiB and 10 000 names), read-write,"
          + " at the guest path GUEST (absolute or relative); it"
          + " vanishes when the run ends. Repeatable.")
  private List<String> memoryMounts = new ArrayList<>();

  @Option(
      names = "--trace",
      description = "Print every WASI call of the module to standard error as it returns: function, arguments,"
          + " errno and duration.")
  private boolean trace;

  @Option(
      names = "--random-seed",
      paramLabel = "N",
      description = "Make random_get deterministic: the same N gives the same bytes. Default: SecureRandom.")
  private Long randomSeed;

  private final List<MemoryFileSystem> memoryFileSystems = new ArrayList<>();

  @Option(
      names = "--env",
      paramLabel = "NAME=VALUE",
      converter = EnvVar.Converter.class,
      description = "Set an environment variable of the module. Repeatable; the last value of a name wins. The"
          + " module never sees this process's environment.")
  private List<EnvVar> envVars = new ArrayList<>();

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description = "Use this manifest (JSON) instead of the one beside the module or embedded in it.")
  private Path manifest;

  @Option(
      names = "--max-memory-pages",
      paramLabel = "N",
      description = "Limit the module's linear memory to N pages of 64 KiB (1..65536; default 4096 = 256 MiB).")
  private Integer maxMemoryPages;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Deadline for starting the module and, separately, for the run or the --invoke call: 500ms,"
          + " 2s, 1m, 1h or ISO-8601 (PT2S). Past it the module is interrupted (exit 70). Default: none.")
  private Duration timeout;

  @Option(
      names = "--tier",
      paramLabel = "TIER",
      converter = Tier.Converter.class,
      description = "How to run the module: auto (the default) compiles it to JVM bytecode first, except that a"
          + " module larger than 1 MiB starts in the interpreter at once while it compiles in the background;"
          + " compiler always compiles it first; interpreter never compiles it. Fuel and results are the same in"
          + " every tier. On a terminal, a compile the run waits for shows its progress on standard error.")
  private Tier tier;

  @Option(names = "--interpreter", description = "The same as --tier interpreter.")
  private boolean interpreter;

  @Option(
      names = "--fuel",
      paramLabel = "N",
      description = "Meter the module's work and stop it (exit 70) once it has used N units of fuel (1 per"
          + " instruction by default; see docs/metering.md).")
  private Long fuel;

  @Option(
      names = "--print-fuel",
      description = "Meter the module's work and print the fuel it used to standard error, as 'fuel used: N'.")
  private boolean printFuel;

  @Option(
      names = "--canonicalize-nans",
      description = "Make every NaN a float instruction produces the canonical NaN, so float results are"
          + " bit-identical on every machine and in both execution modes (see docs/floats.md).")
  private boolean canonicalizeNaNs;

  private Tenant tenant;

  @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
  private Path module;

  @Parameters(
      index = "1..*",
      paramLabel = "ARGS",
      description = "The module's arguments (its argv after the program name), or the --invoke arguments.")
  private List<String> args = new ArrayList<>();

  RunCommand(Streams io, java.util.Map<String, String> env) {
    this.io = io;
    this.env = env;
  }

  private boolean verbose() {
    return verbosity.verbose || (parent != null && parent.verbose());
  }

  @Override
  public Integer call() {
    String fileName = ModuleFiles.fileName(module);
    checkDirs();
    PluginLimits limits = limits();
    if (fuel != null && fuel < 1) {
      throw new UsageException("--fuel must be at least 1, was " + fuel);
    }
    // Without --manifest or a manifest beside the module, the module is read now, to see whether it embeds one.
    boolean besideFile = manifest == null && Files.isRegularFile(PluginHost.besideManifest(module));
    byte[] bytes = manifest != null || besideFile ? null : ModuleFiles.read(module, limits.maxModuleBytes());
    LoadWarmup.start(bytes == null || LoadWarmup.mayEmbedManifest(bytes));
    ModuleCache cache = cacheOptions.open(env, io);
    PluginHost.Builder builder =
        tier().configure(PluginHost.builder().moduleCache(cache).grants(CliPolicy.grants(dirs)).limits(limits));
    if (io.err() == System.err && System.console() != null) {
      builder.compileListener(new CompileProgress(io.err(), fileName));
    } else if (verbose()) {
      builder.compileListener(this::noteCompile);
    }
    boolean metered = fuel != null || printFuel;
    if (metered) {
      builder.meterFuel();
    }
    if (canonicalizeNaNs) {
      builder.canonicalizeNaNs();
    }
    try (PluginHost host = builder.build()) {
      if (metered) {
        FuelPolicy policy =
            fuel == null
                ? FuelPolicy.unlimited()
                : FuelPolicy.builder().capacity(fuel).refill(0, Duration.ofDays(1)).build();
        tenant = host.tenant("cli", policy);
      }
      long start = System.nanoTime();
      Plugin plugin = load(host, fileName, bytes);
      if (verbose()) {
        describe(plugin);
        describeCache(cache, plugin, (System.nanoTime() - start) / 1_000_000);
      }
      if (invoke == null) {
        return runCommand(plugin, fileName);
      }
      return invoke(plugin, fileName);
    } finally {
      if (printFuel && tenant != null) {
        io.flush();
        io.note("fuel used: " + tenant.used());
      }
      io.flush();
      memoryFileSystems.forEach(MemoryFileSystem::close);
    }
  }

  /** The tier asked for by --tier or --interpreter (which must agree), else auto. */
  private Tier tier() {
    if (interpreter && tier != null && tier != Tier.INTERPRETER) {
      throw new UsageException(
          "--interpreter contradicts --tier " + tier.optionValue() + "; give only one of them");
    }
    return interpreter ? Tier.INTERPRETER : tier == null ? Tier.AUTO : tier;
  }

  /** With --verbose: when a compile starts and ends (stderr not being a terminal, no progress line is drawn). */
  private void noteCompile(dev.terrarium.host.CompileEvent e) {
    String what = e.pluginId() + " (" + CompileProgress.size(e.moduleBytes()) + ")";
    switch (e.kind()) {
      case STARTED -> io.note(
          e.background()
              ? "running " + what + " in the interpreter while it compiles in the background"
              : "compiling " + what);
      case FINISHED -> io.note("compiled " + what + " in " + e.elapsed().toMillis() + " ms");
      case FAILED -> io.note("compiling " + what + " failed: " + e.failure().getMessage());
      case PROGRESS -> {}
    }
  }

  private void checkDirs() {
    Set<String> seen = new HashSet<>();
    for (DirMapping d : dirs) {
      if (!seen.add(d.guestPath())) {
        throw new UsageException("--dir: the guest path " + d.guestPath() + " is mapped more than once");
      }
    }
    for (String m : memoryMounts) {
      try {
        dev.terrarium.api.MountRequest.checkGuestPath(m);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--mount-memory: " + e.getMessage() + ", e.g. --mount-memory /tmp");
      }
      if (!seen.add(m)) {
        throw new UsageException("--mount-memory: the guest path " + m + " is mapped more than once");
      }
    }
  }

  private PluginLimits limits() {
    PluginLimits defaults = PluginHost.DEFAULT_LIMITS;
    Integer pages = defaults.maxMemoryPages();
    if (maxMemoryPages != null) {
      if (maxMemoryPages < 1 || maxMemoryPages > PluginLimits.MAX_PAGES) {
        throw new UsageException(
            "--max-memory-pages must be between 1 and " + PluginLimits.MAX_PAGES + " (pages of 64 KiB), was "
                + maxMemoryPages);
      }
      pages = maxMemoryPages;
    }
    return new PluginLimits(pages, timeout, null, defaults.maxModuleBytes(), null, null, null);
  }

  /**
   * Loads the plugin with its manifest: {@code --manifest FILE}, else {@code NAME.manifest.json} beside the module,
   * else the embedded one, else a synthesized one that requests everything the CLI grants. {@code bytes} are the
   * module's, read when there was neither --manifest nor a manifest beside the module, else {@code null}.
   */
  private Plugin load(PluginHost host, String fileName, byte[] bytes) {
    if (manifest != null) {
      PluginManifest m = Manifests.read(manifest);
      note(() -> "manifest: " + manifest + " (--manifest)");
      return host.load(module, m);
    }
    Path beside = PluginHost.besideManifest(module);
    if (bytes == null) { // there was a manifest beside the module when the run started (call())
      note(() -> "manifest: " + beside + " (beside the module)");
      return host.load(module);
    }
    PluginManifest synthesized = CliPolicy.synthesizedManifest(fileName, dirs, memoryMounts);
    Plugin plugin = host.loadWithDefaultManifest(bytes, synthesized);
    if (plugin.manifest() == synthesized) {
      note(() -> "manifest: none found (no --manifest, no " + beside.getFileName() + ", none embedded);"
          + " running with everything the CLI grants as '" + synthesized.id() + "'");
    } else {
      note(() -> "manifest: embedded in " + fileName + " (custom section " + PluginManifest.CUSTOM_SECTION + ")");
    }
    return plugin;
  }

  private void describe(Plugin plugin) {
    String wasi =
        plugin.grants().wasi().stream()
            .sorted()
            .map(WasiCapability::manifestName)
            .collect(Collectors.joining(", "));
    String mounts =
        plugin.grants().mounts().stream()
            .map(m -> m.guestPath() + " -> " + m.hostPath() + " (" + mode(m) + ")")
            .collect(Collectors.joining(", "));
    PluginLimits l = plugin.limits();
    io.note(
        "plugin " + plugin.id() + "@" + plugin.version() + ", sha256 " + plugin.sha256() + ", "
            + (plugin.compiled() ? "compiled" : "interpreted"));
    io.note("effective WASI: " + (wasi.isEmpty() ? "none" : wasi) + "; mounts: " + (mounts.isEmpty() ? "none" : mounts)
        + "; host modules: " + (plugin.grants().hostModules().isEmpty() ? "none" : plugin.grants().hostModules()));
    io.note("limits: memory " + (l.maxMemoryPages() == null ? "unlimited" : l.maxMemoryPages() + " pages")
        + ", timeout " + (l.callTimeout() == null ? "none" : l.callTimeout().toMillis() + " ms"));
  }

  private void describeCache(ModuleCache cache, Plugin plugin, long millis) {
    CacheStats s = cache.stats();
    String where = cache.directory().map(d -> " in " + d).orElse(" (in memory only)");
    String how =
        s.diskHits() > 0
            ? "loaded from the cache" + where
            : s.compilations() > 0
                ? "compiled" + (s.diskWrites() > 0 ? ", stored in the cache" + where : where)
                : plugin.compiled() ? "loaded precompiled, nothing compiled" : "interpreted, nothing to compile";
    io.note("module: " + how + " (" + millis + " ms)");
  }

  private static String mode(Mount m) {
    return switch (m.mode()) {
      case READ_ONLY -> "ro";
      case READ_WRITE -> "rw";
    };
  }

  private InstanceOptions options(String fileName, List<String> guestArgs) {
    InstanceOptions.Builder b =
        InstanceOptions.builder()
            .programName(fileName)
            .args(guestArgs)
            .stdin(io.in())
            .stdout(io.out())
            .stderr(io.err());
    for (EnvVar v : envVars) {
      b.env(v.name(), v.value());
    }
    for (String m : memoryMounts) {
      MemoryFileSystem fs = MemoryFileSystem.builder().build();
      memoryFileSystems.add(fs);
      b.mount(m, fs.root(), MountMode.READ_WRITE);
    }
    if (trace) {
      b.wasiTrace(call -> io.note("[wasi] " + call));
    }
    if (randomSeed != null) {
      b.randomSeed(randomSeed);
    }
    return b.build();
  }

  private int runCommand(Plugin plugin, String fileName) {
    boolean isCommand =
        plugin.description().export("_start").map(e -> e.kind().equals("function")).orElse(false);
    if (!isCommand) {
      List<String> functions =
          plugin.description().exports().stream()
              .filter(e -> e.kind().equals("function"))
              .map(ExportDescription::name)
              .toList();
      throw new UsageException(
          fileName + " is not a WASI command: it exports no _start function. "
              + (functions.isEmpty()
                  ? "It exports no functions at all."
                  : "Call one of its exports with --invoke NAME: " + String.join(", ", functions) + "."));
    }
    int code;
    try (PluginInstance instance = plugin.instantiate(tenant, options(fileName, args))) {
      code = instance.run();
    }
    io.flush();
    if (code < 0 || code > 255) {
      io.note(
          "the module exited with code " + Integer.toUnsignedString(code)
              + ", which a process exit status cannot carry (0..255); exiting with " + ExitCodes.INTERNAL);
      return ExitCodes.INTERNAL;
    }
    note(() -> "the module exited with code " + code);
    return code;
  }

  private int invoke(Plugin plugin, String fileName) {
    try (PluginInstance instance = plugin.instantiate(tenant, options(fileName, List.of()))) {
      GuestFunction function = instance.function(invoke);
      long[] arguments = WasmValues.parseArguments(invoke, function.params(), args);
      long[] results = function.call(arguments);
      io.flush();
      for (int i = 0; i < results.length; i++) {
        io.out().println(WasmValues.format(function.results().get(i), results[i]));
      }
      io.out().flush();
      return ExitCodes.OK;
    }
  }

  private void note(java.util.function.Supplier<String> message) {
    if (verbose()) {
      io.note(message.get());
    }
  }
}
