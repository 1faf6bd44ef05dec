package dev.terrarium.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrarium descriptor embed|show|strip}: the interface descriptors a module carries in custom sections
 * {@value Descriptor#CUSTOM_SECTION} (one per interface), which {@code terrarium call} reads.
 */
@Command(
    name = "descriptor",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    synopsisSubcommandLabel = "(embed | show | strip)",
    header = "Embed, show or remove the interface descriptors a module carries for 'terrarium call'.",
    description = {
      "A module may carry the JSON descriptors of the interfaces it implements and imports (written by the"
          + " annotation processor as META-INF/terrarium/<interface>.json), one per custom section "
          + Descriptor.CUSTOM_SECTION + ", so that 'terrarium call' needs no --descriptor. Hosts ignore them.",
      ""
    })
final class DescriptorCommand implements Callable<Integer> {
  private final Streams io;

  DescriptorCommand(Streams io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    io.err().println("terrarium: missing command: use 'terrarium descriptor embed', 'show' or 'strip'");
    return ExitCodes.USAGE;
  }

  /** The contents of the module's descriptor sections, in order. */
  private static List<byte[]> embedded(byte[] module) {
    return CustomSections.findAll(module, Descriptor.CUSTOM_SECTION);
  }

  /** {@code terrarium descriptor embed MODULE DESCRIPTOR... [-o OUT]}. */
  @Command(
      name = "embed",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      usageHelpAutoWidth = true,
      header = "Check descriptors and write them into a module.",
      description = {
        "Checks each DESCRIPTOR as 'terrarium call' reads it, then writes it into MODULE as a custom section "
            + Descriptor.CUSTOM_SECTION + ", replacing the one of the same interface, if any; the module's other"
            + " descriptors stay. The file is replaced atomically.",
        ""
      },
      footer = {"", "Exit status: 0; 2 for usage errors (a descriptor that is not valid); 70 when MODULE is not wasm."})
  static final class Embed implements Callable<Integer> {
    private final Streams io;

    @Mixin private Verbosity verbosity;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "OUT",
        description = "Write the module with its descriptors to OUT instead of replacing MODULE.")
    private Path output;

    @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
    private Path module;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DESCRIPTOR", description = "Descriptor JSON files.")
    private List<Path> files = new ArrayList<>();

    Embed(Streams io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      byte[] bytes = ManifestCommand.readModule(module);
      Map<String, byte[]> sections = new LinkedHashMap<>();
      List<byte[]> unreadable = new ArrayList<>();
      for (byte[] existing : embedded(bytes)) {
        try {
          Descriptor d = Descriptor.parse(new String(existing, StandardCharsets.UTF_8), "embedded");
          sections.put(d.interfaceName(), existing);
        } catch (UsageException e) {
          unreadable.add(existing); // not ours to judge: keep it
        }
      }
      List<String> names = new ArrayList<>();
      for (Path file : files) {
        Descriptor d = Descriptor.read(file);
        String text;
        try {
          text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          throw new UsageException("cannot read the descriptor file " + file + ": " + e.getMessage());
        }
        sections.remove(d.interfaceName());
        sections.put(d.interfaceName(), text.getBytes(StandardCharsets.UTF_8));
        names.add(d.simpleName() + (d.exports() ? " (exports" : " (host module " + d.module()) + ", version "
            + d.interfaceVersion() + ")");
      }
      byte[] edited = CustomSections.remove(bytes, Descriptor.CUSTOM_SECTION);
      for (byte[] content : unreadable) {
        edited = CustomSections.append(edited, Descriptor.CUSTOM_SECTION, content);
      }
      for (byte[] content : sections.values()) {
        edited = CustomSections.append(edited, Descriptor.CUSTOM_SECTION, content);
      }
      Path out = output != null ? output : module;
      ModuleFiles.writeAtomically(out, edited);
      io.out().println("embedded " + String.join(", ", names) + " in " + out + " (" + edited.length + " bytes)");
      io.out().flush();
      return ExitCodes.OK;
    }
  }

  /** {@code terrarium descriptor show MODULE}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      usageHelpAutoWidth = true,
      header = "Print the descriptors embedded in a module.",
      description = {"Prints the JSON of each custom section " + Descriptor.CUSTOM_SECTION + " of MODULE.", ""},
      footer = {"", "Exit status: 0; 3 when MODULE carries no descriptor; 2 for usage errors; 70 when MODULE is not wasm."})
  static final class Show implements Callable<Integer> {
    private final Streams io;

    @Mixin private Verbosity verbosity;

    @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
    private Path module;

    Show(Streams io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      List<byte[]> found = embedded(ManifestCommand.readModule(module));
      if (found.isEmpty()) {
        io.note(module + " carries no descriptor (custom section " + Descriptor.CUSTOM_SECTION + ")");
        return ExitCodes.ABSENT;
      }
      for (byte[] content : found) {
        io.out().println(new String(content, StandardCharsets.UTF_8));
      }
      io.out().flush();
      return ExitCodes.OK;
    }
  }

  /** {@code terrarium descriptor strip MODULE [-o OUT]}. */
  @Command(
      name = "strip",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      usageHelpAutoWidth = true,
      header = "Remove the descriptors embedded in a module.",
      description = {"Removes every custom section " + Descriptor.CUSTOM_SECTION + " from MODULE, atomically.", ""},
      footer = {"", "Exit status: 0; 2 for usage errors; 70 when MODULE is not wasm."})
  static final class Strip implements Callable<Integer> {
    private final Streams io;

    @Mixin private Verbosity verbosity;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "OUT",
        description = "Write the module without descriptors to OUT instead of replacing MODULE.")
    private Path output;

    @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
    private Path module;

    Strip(Streams io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      byte[] bytes = ManifestCommand.readModule(module);
      int count = embedded(bytes).size();
      byte[] stripped = CustomSections.remove(bytes, Descriptor.CUSTOM_SECTION);
      Path out = output != null ? output : module;
      if (count > 0 || output != null) {
        ModuleFiles.writeAtomically(out, stripped);
      }
      io.out().println("removed " + count + (count == 1 ? " descriptor" : " descriptors") + "; "
          + (count > 0 || output != null ? "wrote " + out : "left " + module + " as it was"));
      io.out().flush();
      return ExitCodes.OK;
    }
  }
}
