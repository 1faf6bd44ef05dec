package dev.terrarium.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A host module answered from a JSON file of canned results ({@code terrarium call --host-module NAME=FILE}), typed
 * by the module's {@code @HostImports} descriptor. FILE is a JSON object mapping function names (wasm or Java) to
 * the result each call returns; for a function that declares {@code throws PluginError}, {@code {"$error": {"code":
 * N, "message": "..."}}} makes it report that error instead. A function FILE does not name stops the call with a
 * message naming it.
 */
final class CannedHostModule {
  /** The key of an error answer. */
  static final String ERROR = "$error";


  private final Descriptor descriptor;
  private final Path file;
  private final Map<String, Answer> answers;

  /** A converted canned result, or an error (code non-zero). */
  private record Answer(Object value, int errorCode, String errorMessage) {}

  /** Thrown by a host function that has no canned answer; {@code terrarium call} reports its message. */
  static final class NoAnswerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoAnswerException(String message) {
      super(message);
    }
  }

  private CannedHostModule(Descriptor descriptor, Path file, Map<String, Answer> answers) {
    this.descriptor = descriptor;
    this.file = file;
    this.answers = answers;
  }

  /** Reads and checks FILE against the descriptor: every answer must fit its function's result type. */
  static CannedHostModule read(Descriptor descriptor, Path file) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      throw new UsageException("--host-module " + descriptor.module() + ": the file " + file + " does not exist");
    } catch (JsonProcessingException e) {
      throw new UsageException("--host-module " + descriptor.module() + ": " + file + " is not JSON: "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UsageException("--host-module " + descriptor.module() + ": cannot read " + file + ": " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new UsageException(
          "--host-module " + descriptor.module() + ": " + file + " must be a JSON object mapping function names to"
              + " results, e.g. {\"" + example(descriptor) + "\": ...}");
    }
    Map<String, Answer> answers = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Descriptor.Function f =
          descriptor
              .function(e.getKey())
              .orElseThrow(
                  () ->
                      new UsageException(
                          "--host-module " + descriptor.module() + ": " + file + " answers \"" + e.getKey()
                              + "\", which " + descriptor.simpleName() + " does not have; its functions: "
                              + functionList(descriptor)));
      String what = "the canned answer for " + descriptor.module() + "." + f.wasmName() + " in " + file;
      answers.put(f.wasmName(), answer(f, e.getValue(), what));
    }
    return new CannedHostModule(descriptor, file, answers);
  }

  private static Answer answer(Descriptor.Function f, JsonNode json, String what) {
    if (json.isObject() && json.has(ERROR)) {
      if (!f.fallible()) {
        throw new UsageException(
            what + " is an error, but " + f.wasmName() + " cannot report one (it does not declare throws PluginError)");
      }
      JsonNode error = json.get(ERROR);
      JsonNode code = error.get("code");
      JsonNode message = error.get("message");
      if (json.size() != 1 || code == null || !code.canConvertToInt() || code.asInt() == 0 || message == null
          || !message.isTextual()) {
        throw new UsageException(
            what + " must be {\"" + ERROR + "\": {\"code\": N, \"message\": \"...\"}} with N not 0");
      }
      return new Answer(null, code.asInt(), message.asText());
    }
    try {
      return new Answer(AbiJson.convert(f.result(), json, what), 0, null);
    } catch (AbiJson.BadValueException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static String example(Descriptor d) {
    return d.functions().isEmpty() ? "name" : d.functions().get(0).wasmName();
  }

  static String functionList(Descriptor d) {
    List<String> out = new ArrayList<>();
    for (Descriptor.Function f : d.functions()) {
      out.add(f.signature());
    }
    return String.join("; ", out);
  }

  /**
   * Returns the host functions of the module, one per function of the descriptor. With {@code trace}, each call
   * is reported with its decoded arguments.
   */
  List<HostFunctionDefinition> definitions(Consumer<String> trace) {
    List<HostFunctionDefinition> out = new ArrayList<>();
    for (Descriptor.Function f : descriptor.functions()) {
      out.add(
          new HostFunctionDefinition(
              descriptor.module(), f.wasmName(), f.wasmParams(), f.wasmResults(), (ctx, args) -> call(f, ctx, args, trace)));
    }
    return out;
  }

  private long[] call(Descriptor.Function f, HostCallContext ctx, long[] args, Consumer<String> trace) {
    String name = descriptor.module() + "." + f.wasmName();
    if (trace != null) {
      trace.accept("host call " + name + "(" + arguments(f, ctx, args) + ")");
    }
    Answer answer = answers.get(f.wasmName());
    if (answer == null) {
      throw new NoAnswerException(
          "the plugin called " + name + ", which " + file + " has no canned answer for; add \"" + f.wasmName()
              + "\": <" + f.result().describe() + "> to it");
    }
    AbiWriter writer = new AbiWriter(ctx.pluginId(), ctx.memory(), ctx.allocator());
    if (f.fallible()) {
      int errorSlot = (int) args[args.length - 1];
      new AbiReader(ctx.pluginId(), ctx.memory(), false)
          .checkRange(errorSlot, AbiWriter.ERROR_SLOT_SIZE, "the error slot of " + name);
      if (answer.errorCode() != 0) {
        writer.error(errorSlot, new PluginError(answer.errorCode(), answer.errorMessage()));
        return new long[f.wasmResults().size()];
      }
      long[] result = AbiJson.writeResult(writer, f.result(), answer.value(), "the result of " + name);
      writer.success(errorSlot);
      return result;
    }
    return AbiJson.writeResult(writer, f.result(), answer.value(), "the result of " + name);
  }

  /** The call's arguments as JSON, for the trace. */
  private static String arguments(Descriptor.Function f, HostCallContext ctx, long[] args) {
    if (f.params().isEmpty()) {
      return "";
    }
    boolean memory =
        f.params().stream().anyMatch(p -> !(p.type() instanceof AbiJson.Num || p.type() instanceof AbiJson.EnumType));
    AbiReader reader = new AbiReader(ctx.pluginId(), memory ? ctx.memory() : CallCommand.NO_MEMORY, false);
    List<String> out = new ArrayList<>();
    int index = 0;
    for (Descriptor.Param p : f.params()) {
      out.add(AbiJson.readParam(reader, p.type(), args, index, "argument " + p.name()).toString());
      index += p.type().wasmParams().size();
    }
    return String.join(", ", out);
  }
}
