package dev.terrarium.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.terrarium.api.BadExportException;
import dev.terrarium.api.FuelPolicy;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.HostFunctionException;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import dev.terrarium.api.abi.Allocator;
import dev.terrarium.host.GuestFunction;
import dev.terrarium.host.ImportDescription;
import dev.terrarium.host.Manifests;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.ModuleDescription;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import dev.terrarium.host.InstanceOptions;
import dev.terrarium.host.Tenant;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code terrarium call}: calls one function of a plugin's {@code @PluginExports} interface with JSON arguments and
 * prints its result as JSON, typed by the interface's descriptor; host imports are answered from canned JSON.
 */
@Command(
    name = "call",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Call a plugin's typed export with JSON arguments; print the result as JSON.",
    description = {
      "Calls FUNCTION (its wasm or Java name) of MODULE's @PluginExports interface, with one JSON value per"
          + " parameter, through the Terrarium ABI as the generated Java proxy would, and prints the result as one"
          + " line of JSON (nothing for void).",
      "The interface comes from its JSON descriptor (META-INF/terrarium/<interface>.json, written by the annotation"
          + " processor): --descriptor FILE, or the module's custom sections " + Descriptor.CUSTOM_SECTION + ".",
      "JSON forms: numbers; true/false; strings; byte[] as base64; lists as arrays; records as objects; enum"
          + " constants as strings; null for an absent Optional. Quote arguments for the shell: '\"Ana\"'.",
      "",
      "The guest's own stdout and stderr go to standard error, so that standard output holds only the result.",
      ""
    },
    footer = {
      "",
      "A --host-module FILE maps function names to canned results, e.g. {\"get\": \"hello\", \"add\": 7,"
          + " \"put\": {\"$error\": {\"code\": 5, \"message\": \"read-only\"}}} ($error only for functions that"
          + " declare throws PluginError). A call of a function FILE does not answer stops with a message naming it.",
      "",
      "Exit status: 0; 4 when the function reported an error (printed as {\"$error\": {\"code\": N, \"message\":"
          + " \"...\"}}); 2 for usage errors (bad JSON, unknown function, missing descriptor); 70 when Terrarium"
          + " refuses or fails the module.",
      "",
      "Examples:",
      "  terrarium call --descriptor Greeter.json --descriptor KeyValueStore.json \\",
      "      --host-module kv=kv.json greeter.wasm lookup '\"color\"'",
      "  terrarium descriptor embed app.wasm App.json",
      "  terrarium call app.wasm greet '\"Ana\"'"
    })
final class CallCommand implements Callable<Integer> {
  /** A memory for functions that pass only numbers: it has no bytes. */
  static final GuestMemory NO_MEMORY =
      new GuestMemory() {
        @Override
        public long size() {
          return 0;
        }

        private IllegalStateException none() {
          return new IllegalStateException("this call passes only numbers and reads no memory");
        }

        @Override
        public byte[] read(int pointer, int length) {
          throw none();
        }

        @Override
        public void write(int pointer, byte[] bytes) {
          throw none();
        }

        @Override
        public int readInt(int pointer) {
          throw none();
        }

        @Override
        public void writeInt(int pointer, int value) {
          throw none();
        }

        @Override
        public long readLong(int pointer) {
          throw none();
        }

        @Override
        public void writeLong(int pointer, long value) {
          throw none();
        }

        @Override
        public String readUtf8(int pointer, int length) {
          throw none();
        }
      };


  private final Streams io;
  private final Map<String, String> env;

  @ParentCommand private TerrariumCli parent;

  @Mixin private Verbosity verbosity;

  @Mixin private CacheOptions cacheOptions;

  @Option(
      names = "--descriptor",
      paramLabel = "FILE",
      description = "A JSON descriptor of an annotated interface (the plugin's @PluginExports, or a @HostImports"
          + " module it imports). Repeatable; adds to those embedded in the module.")
  private List<Path> descriptorFiles = new ArrayList<>();

  @Option(
      names = "--host-module",
      paramLabel = "NAME=FILE",
      description = "Answer the module's imports from host module NAME with the canned results in the JSON file"
          + " FILE, typed by NAME's descriptor. Grants NAME to the plugin. Repeatable.")
  private List<String> hostModules = new ArrayList<>();

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description = "Use this manifest (JSON) instead of the one beside the module or embedded in it.")
  private Path manifest;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Deadline for the call: 500ms, 2s, 1m or ISO-8601 (PT2S). Default: none.")
  private Duration timeout;

  @Option(
      names = "--fuel",
      paramLabel = "N",
      description = "Meter the plugin's work and stop it (exit 70) once it has used N units of fuel.")
  private Long fuel;

  @Option(names = "--pretty", description = "Print the result as indented JSON over several lines.")
  private boolean pretty;

  @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
  private Path module;

  @Parameters(index = "1", paramLabel = "FUNCTION", description = "The function to call: its wasm or Java name.")
  private String functionName;

  @Parameters(index = "2..*", paramLabel = "JSON", description = "The arguments, one JSON value per parameter.")
  private List<String> jsonArgs = new ArrayList<>();

  CallCommand(Streams io, Map<String, String> env) {
    this.io = io;
    this.env = env;
  }

  private boolean verbose() {
    return verbosity.verbose || (parent != null && parent.verbose());
  }

  @Override
  public Integer call() {
    String fileName = ModuleFiles.fileName(module);
    if (fuel != null && fuel < 1) {
      throw new UsageException("--fuel must be at least 1, was " + fuel);
    }
    PluginLimits defaults = PluginHost.DEFAULT_LIMITS;
    PluginLimits limits =
        new PluginLimits(defaults.maxMemoryPages(), timeout, null, defaults.maxModuleBytes(), null, null, null);
    byte[] bytes = ModuleFiles.read(module, limits.maxModuleBytes());
    if (PluginHost.isPrecompiled(bytes)) {
      throw new UsageException(fileName + " is a precompiled plugin; call the .wasm module it was compiled from");
    }
    LoadWarmup.start(manifest != null || LoadWarmup.mayEmbedManifest(bytes)
        || Files.isRegularFile(PluginHost.besideManifest(module)));
    List<Descriptor> descriptors = descriptors(bytes);
    Descriptor.Function function = exportFunction(descriptors, fileName);
    List<Object> arguments = arguments(function);
    Map<String, CannedHostModule> canned = hostModules(descriptors);
    ModuleDescription description = PluginHost.inspect(bytes);
    checkImports(description, canned.keySet(), fileName);

    PluginHost.Builder builder =
        PluginHost.builder()
            .moduleCache(cacheOptions.open(env, io))
            .grants(CliPolicy.grants(List.of(), canned.keySet()))
            .limits(limits);
    java.util.function.Consumer<String> trace = verbose() ? io::note : null;
    for (CannedHostModule m : canned.values()) {
      for (HostFunctionDefinition d : m.definitions(trace)) {
        builder.hostFunction(d);
      }
    }
    if (fuel != null) {
      builder.meterFuel();
    }
    try (PluginHost host = builder.build()) {
      Tenant tenant =
          fuel == null
              ? null
              : host.tenant("cli", FuelPolicy.builder().capacity(fuel).refill(0, Duration.ofDays(1)).build());
      Plugin plugin = load(host, bytes, fileName, canned.keySet());
      InstanceOptions options =
          InstanceOptions.builder().programName(fileName).stdin(io.in()).stdout(io.err()).stderr(io.err()).build();
      try (PluginInstance instance = plugin.instantiate(tenant, options)) {
        return call(instance, function, arguments, description, fileName);
      } catch (HostFunctionException e) {
        if (e.getCause() instanceof CannedHostModule.NoAnswerException noAnswer) {
          io.note(noAnswer.getMessage());
          return ExitCodes.PLUGIN_FAILURE;
        }
        throw e;
      }
    } finally {
      io.flush();
    }
  }

  /** The descriptors given with --descriptor, then those embedded in the module. */
  private List<Descriptor> descriptors(byte[] bytes) {
    List<Descriptor> out = new ArrayList<>();
    for (Path file : descriptorFiles) {
      out.add(Descriptor.read(file));
    }
    List<byte[]> embedded = CustomSections.findAll(bytes, Descriptor.CUSTOM_SECTION);
    for (int i = 0; i < embedded.size(); i++) {
      out.add(
          Descriptor.parse(
              new String(embedded.get(i), StandardCharsets.UTF_8),
              "embedded in " + module.getFileName() + " (custom section " + Descriptor.CUSTOM_SECTION + " #"
                  + (i + 1) + ")"));
    }
    return out;
  }

  private Descriptor.Function exportFunction(List<Descriptor> descriptors, String fileName) {
    List<Descriptor> exports = descriptors.stream().filter(Descriptor::exports).toList();
    if (exports.isEmpty()) {
      throw new UsageException(
          "no @PluginExports descriptor for " + fileName + ": give --descriptor FILE (the"
              + " META-INF/terrarium/<interface>.json the annotation processor wrote) or embed it with"
              + " 'terrarium descriptor embed'; for a function of numbers only, 'terrarium run --invoke' needs none");
    }
    List<Descriptor.Function> matches = new ArrayList<>();
    List<String> known = new ArrayList<>();
    for (Descriptor d : exports) {
      d.function(functionName).ifPresent(matches::add);
      d.functions().forEach(f -> known.add(f.signature()));
    }
    if (matches.isEmpty()) {
      throw new UsageException(
          "no function " + functionName + " in " + String.join(", ", exports.stream().map(Descriptor::simpleName).toList())
              + "; its functions: " + String.join("; ", known));
    }
    if (matches.size() > 1) {
      throw new UsageException(functionName + " is a function of more than one descriptor; give only one of them");
    }
    return matches.get(0);
  }

  private List<Object> arguments(Descriptor.Function f) {
    if (jsonArgs.size() != f.params().size()) {
      throw new UsageException(
          f.wasmName() + " takes " + f.params().size() + (f.params().size() == 1 ? " argument" : " arguments")
              + " but " + jsonArgs.size() + (jsonArgs.size() == 1 ? " was" : " were") + " given: "
              + f.signature());
    }
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < jsonArgs.size(); i++) {
      Descriptor.Param p = f.params().get(i);
      String what = "argument " + p.name() + " of " + f.wasmName();
      JsonNode json;
      try {
        json = Json.MAPPER.readTree(jsonArgs.get(i));
      } catch (JsonProcessingException e) {
        throw new UsageException(
            what + " is not JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + "): "
                + jsonArgs.get(i) + (p.type() instanceof AbiJson.Str
                    ? "; a string is written in double quotes, e.g. '\"" + jsonArgs.get(i) + "\"'"
                    : ""));
      }
      try {
        out.add(AbiJson.convert(p.type(), json, what));
      } catch (AbiJson.BadValueException e) {
        throw new UsageException(e.getMessage());
      }
    }
    return out;
  }

  private Map<String, CannedHostModule> hostModules(List<Descriptor> descriptors) {
    Map<String, CannedHostModule> out = new LinkedHashMap<>();
    for (String spec : hostModules) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new UsageException("--host-module must be NAME=FILE, e.g. --host-module kv=kv.json, was " + spec);
      }
      String name = spec.substring(0, eq);
      Path file = Path.of(spec.substring(eq + 1));
      if (out.containsKey(name)) {
        throw new UsageException("--host-module " + name + " is given more than once");
      }
      Descriptor d =
          descriptors.stream()
              .filter(x -> !x.exports() && name.equals(x.module()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new UsageException(
                          "--host-module " + name + ": no @HostImports descriptor for the module " + name
                              + "; give its descriptor with --descriptor FILE"));
      out.put(name, CannedHostModule.read(d, file));
    }
    return out;
  }

  /** Fails when the module imports from a host module that no --host-module answers, naming the imports. */
  private static void checkImports(ModuleDescription d, java.util.Set<String> answered, String fileName) {
    Map<String, List<String>> unanswered = new TreeMap<>();
    for (ImportDescription i : d.imports()) {
      if (i.module().startsWith("wasi_") || answered.contains(i.module())) {
        continue;
      }
      unanswered.computeIfAbsent(i.module(), k -> new ArrayList<>()).add(i.module() + "." + i.name());
    }
    if (!unanswered.isEmpty()) {
      List<String> parts = new ArrayList<>();
      unanswered.forEach((m, names) -> parts.add(String.join(", ", names)));
      String first = unanswered.keySet().iterator().next();
      throw new UsageException(
          fileName + " imports from host " + (unanswered.size() == 1 ? "module " : "modules ")
              + String.join(", ", unanswered.keySet()) + " (" + String.join("; ", parts) + "); answer each with"
              + " --host-module NAME=FILE (FILE: a JSON object of canned results, e.g. --host-module " + first + "="
              + first + ".json) and give its descriptor with --descriptor");
    }
  }

  private Plugin load(PluginHost host, byte[] bytes, String fileName, java.util.Set<String> modules) {
    if (manifest != null) {
      return host.load(bytes, Manifests.read(manifest));
    }
    Path beside = PluginHost.besideManifest(module);
    if (Files.isRegularFile(beside)) {
      return host.load(module);
    }
    PluginManifest synthesized = CliPolicy.synthesizedManifest(fileName, List.of(), List.of(), modules);
    return host.loadWithDefaultManifest(bytes, synthesized);
  }

  private int call(
      PluginInstance instance,
      Descriptor.Function f,
      List<Object> arguments,
      ModuleDescription description,
      String fileName) {
    String pluginId = instance.plugin().id();
    if (description.export(f.wasmName()).isEmpty()) {
      throw new BadExportException(
          pluginId,
          f.wasmName(),
          fileName + " does not export " + f.wasmName()
              + (f.optional()
                  ? ", an optional function of its interface: a host calling it gets the interface's default method"
                  : ", which its interface requires. Build the plugin against the same interface as the descriptor"));
    }
    GuestFunction export = instance.function(f.wasmName());
    if (!export.params().equals(f.wasmParams()) || !export.results().equals(f.wasmResults())) {
      throw new BadExportException(
          pluginId,
          f.wasmName(),
          "the descriptor expects " + HostFunctionDefinition.signature(f.wasmParams(), f.wasmResults())
              + " but the module exports " + HostFunctionDefinition.signature(export.params(), export.results())
              + ". Give the descriptor of the interface the plugin was built against.");
    }
    boolean needsMemory = f.needsMemory();
    GuestMemory memory = needsMemory ? instance.memory() : NO_MEMORY;
    Allocator allocator = needsMemory ? allocator(instance) : null;
    AbiWriter writer = new AbiWriter(pluginId, memory, allocator);
    List<Long> args = new ArrayList<>();
    int errorSlot = 0;
    try {
      for (int i = 0; i < arguments.size(); i++) {
        Descriptor.Param p = f.params().get(i);
        AbiJson.writeParam(writer, p.type(), arguments.get(i), "argument " + p.name() + " of " + f.wasmName(), args);
      }
      if (f.fallible()) {
        errorSlot = writer.alloc(AbiWriter.ERROR_SLOT_SIZE, "the error slot of " + f.wasmName());
        writer.success(errorSlot);
        args.add((long) errorSlot);
      }
      writer.sent();
    } catch (RuntimeException e) {
      writer.abandon(e);
      throw e;
    }
    long[] raw = new long[args.size()];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = args.get(i);
    }
    long[] results = export.call(raw);
    AbiReader reader = new AbiReader(pluginId, memory, true);
    if (f.fallible()) {
      int code = reader.i32(errorSlot);
      if (code != 0) {
        String message =
            reader.string(reader.i32(errorSlot + 4), reader.i32(errorSlot + 8), "the error message of " + f.wasmName());
        reader.freeOwned(allocator);
        allocator.dealloc(errorSlot, AbiWriter.ERROR_SLOT_SIZE);
        ObjectNode error = JsonNodeFactory.instance.objectNode();
        error.putObject(CannedHostModule.ERROR).put("code", code).put("message", message);
        print(error);
        return ExitCodes.GUEST_ERROR;
      }
      allocator.dealloc(errorSlot, AbiWriter.ERROR_SLOT_SIZE);
    }
    JsonNode result = AbiJson.readResult(reader, f.result(), results, "the result of " + f.wasmName());
    if (allocator != null) {
      reader.freeOwned(allocator);
    }
    if (!(f.result() instanceof AbiJson.Void)) {
      print(result);
    }
    return ExitCodes.OK;
  }

  private static Allocator allocator(PluginInstance instance) {
    GuestFunction alloc = abiExport(instance, "alloc", List.of(WasmType.I32), List.of(WasmType.I32));
    GuestFunction dealloc = abiExport(instance, "dealloc", List.of(WasmType.I32, WasmType.I32), List.of());
    return new Allocator() {
      @Override
      public int alloc(int size) {
        return (int) alloc.call(size)[0];
      }

      @Override
      public void dealloc(int pointer, int size) {
        dealloc.call(pointer, size);
      }
    };
  }

  private static GuestFunction abiExport(
      PluginInstance instance, String name, List<WasmType> params, List<WasmType> results) {
    GuestFunction f = instance.function(name);
    if (!f.params().equals(params) || !f.results().equals(results)) {
      throw new BadExportException(
          instance.plugin().id(),
          name,
          "the ABI needs " + name + " " + HostFunctionDefinition.signature(params, results) + " but the module exports "
              + HostFunctionDefinition.signature(f.params(), f.results()) + " (docs/abi.md, section 3)");
    }
    return f;
  }

  private void print(JsonNode json) {
    try {
      String text =
          pretty
              ? Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json)
              : Json.MAPPER.writeValueAsString(json);
      io.out().println(text);
      io.out().flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
