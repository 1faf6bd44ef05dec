package dev.terrarium.cli;

import dev.terrarium.api.ManifestException;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.host.Manifests;
import dev.terrarium.host.PluginHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrarium manifest embed|show|strip}: the manifest a module carries in its custom section {@code
 * terrarium.manifest}, edited without any other tool.
 */
@Command(
    name = "manifest",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    synopsisSubcommandLabel = "(embed | show | strip)",
    header = "Embed, show or remove the manifest a module carries (custom section terrarium.manifest).",
    description = {
      "A module may carry its manifest in the custom section " + PluginManifest.CUSTOM_SECTION + "; hosts and"
          + " 'terrarium run' use it when no manifest file is given. These commands edit that section only: every"
          + " other byte of the module stays as it was.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  terrarium manifest embed plugin.wasm plugin.json",
      "  terrarium manifest embed -o out.wasm plugin.wasm plugin.json",
      "  terrarium manifest show plugin.wasm",
      "  terrarium manifest strip plugin.wasm"
    })
final class ManifestCommand implements Callable<Integer> {
  private final Streams io;

  ManifestCommand(Streams io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    io.err().println("terrarium: missing command: use 'terrarium manifest embed', 'show' or 'strip'");
    return ExitCodes.USAGE;
  }

  /** Reads a module for editing: a core module, not a precompiled plugin. */
  static byte[] readModule(Path module) {
    String fileName = ModuleFiles.fileName(module);
    byte[] bytes = ModuleFiles.read(module, PluginHost.DEFAULT_LIMITS.maxModuleBytes());
    if (PluginHost.isPrecompiled(bytes)) {
      throw new UsageException(
          fileName + " is a precompiled plugin, whose signature covers its bytes; edit the .wasm module and"
              + " compile it again");
    }
    return bytes;
  }

  /** {@code terrarium manifest embed MODULE MANIFEST [-o OUT]}. */
  @Command(
      name = "embed",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      usageHelpAutoWidth = true,
      header = "Check a manifest and write it into a module's custom section.",
      description = {
        "Checks MANIFEST as hosts read manifests, then writes its JSON into MODULE's custom section "
            + PluginManifest.CUSTOM_SECTION + ", replacing the one the module had (duplicates included). The file"
            + " is replaced atomically: a failure leaves it as it was.",
        ""
      },
      footer = {"", "Exit status: 0; 2 for usage errors; 70 when the manifest is not valid or MODULE is not wasm."})
  static final class Embed implements Callable<Integer> {
    private final Streams io;

    @Mixin private Verbosity verbosity;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "OUT",
        description = "Write the module with its manifest to OUT instead of replacing MODULE.")
    private Path output;

    @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
    private Path module;

    @Parameters(index = "1", paramLabel = "MANIFEST", description = "The manifest (JSON file).")
    private Path manifestFile;

    Embed(Streams io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      byte[] bytes = readModule(module);
      String json = readManifest(manifestFile);
      PluginManifest manifest;
      try {
        manifest = Manifests.parse(json, manifestFile.toString());
      } catch (IllegalArgumentException e) {
        throw new ManifestException(
            null, "the manifest in " + manifestFile + " is not valid: " + e.getMessage() + ". Fix the manifest.", e);
      }
      if (manifest.sha256() != null) {
        throw new ManifestException(
            manifest.id(),
            "the manifest in " + manifestFile + " pins sha256 " + manifest.sha256() + ", but a module cannot"
                + " contain its own hash (embedding the manifest changes it). Remove sha256, or keep this manifest"
                + " in a file beside the module instead.",
            null);
      }
      boolean had = CustomSections.find(bytes, PluginManifest.CUSTOM_SECTION).isPresent();
      byte[] edited =
          CustomSections.replace(bytes, PluginManifest.CUSTOM_SECTION, json.getBytes(StandardCharsets.UTF_8));
      Path out = output != null ? output : module;
      ModuleFiles.writeAtomically(out, edited);
      io.out().println(
          (had ? "replaced the embedded manifest of " : "embedded the manifest of ") + manifest.id() + "@"
              + manifest.version() + " in " + out + " (" + edited.length + " bytes)");
      io.out().flush();
      return ExitCodes.OK;
    }

    /** The manifest's text without trailing white space, as it will be embedded. */
    private static String readManifest(Path file) {
      try {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (NoSuchFileException e) {
        throw new UsageException("the manifest file " + file + " does not exist");
      } catch (java.nio.charset.MalformedInputException e) {
        throw new UsageException("the manifest file " + file + " is not UTF-8 text");
      } catch (IOException e) {
        throw new UsageException("cannot read the manifest file " + file + ": " + e.getMessage());
      }
    }
  }

  /** {@code terrarium manifest show MODULE}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      usageHelpAutoWidth = true,
      header = "Print the manifest embedded in a module.",
      description = {
        "Prints the JSON of MODULE's custom section " + PluginManifest.CUSTOM_SECTION + " as it is, and says on"
            + " standard error when it is not a valid manifest.",
        ""
      },
      footer = {
        "",
        "Exit status: 0; 3 when MODULE has no embedded manifest; 2 for usage errors; 70 when MODULE is not wasm."
      })
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
      byte[] bytes = readModule(module);
      List<byte[]> found = CustomSections.findAll(bytes, PluginManifest.CUSTOM_SECTION);
      if (found.isEmpty()) {
        io.note(module + " has no embedded manifest (custom section " + PluginManifest.CUSTOM_SECTION + ")");
        return ExitCodes.ABSENT;
      }
      String json = new String(found.get(0), StandardCharsets.UTF_8);
      io.out().println(json);
      io.out().flush();
      if (found.size() > 1) {
        io.note(
            module + " has " + found.size() + " " + PluginManifest.CUSTOM_SECTION + " sections; hosts use the"
                + " first, shown above. 'terrarium manifest embed' leaves one.");
      }
      try {
        Manifests.parse(json, "the module's custom section");
      } catch (ManifestException | IllegalArgumentException e) {
        io.note("this is not a valid manifest: " + e.getMessage());
      }
      return ExitCodes.OK;
    }
  }

  /** {@code terrarium manifest strip MODULE [-o OUT]}. */
  @Command(
      name = "strip",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      usageHelpAutoWidth = true,
      header = "Remove the manifest embedded in a module.",
      description = {
        "Removes every custom section " + PluginManifest.CUSTOM_SECTION + " from MODULE, atomically. A module"
            + " without one is left untouched.",
        ""
      },
      footer = {"", "Exit status: 0; 2 for usage errors; 70 when MODULE is not wasm."})
  static final class Strip implements Callable<Integer> {
    private final Streams io;

    @Mixin private Verbosity verbosity;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "OUT",
        description = "Write the module without its manifest to OUT instead of replacing MODULE.")
    private Path output;

    @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
    private Path module;

    Strip(Streams io) {
      this.io = io;
    }

    @Override
    public Integer call() {
      byte[] bytes = readModule(module);
      byte[] stripped = CustomSections.remove(bytes, PluginManifest.CUSTOM_SECTION);
      Path out = output != null ? output : module;
      if (stripped.length == bytes.length) {
        if (output != null) {
          ModuleFiles.writeAtomically(out, stripped);
        }
        io.out().println(module + " has no embedded manifest; " + (output != null ? "copied it to " + out : "left it as it was"));
      } else {
        ModuleFiles.writeAtomically(out, stripped);
        io.out().println("removed the embedded manifest; wrote " + out + " (" + stripped.length + " bytes)");
      }
      io.out().flush();
      return ExitCodes.OK;
    }
  }
}
