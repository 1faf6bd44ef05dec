package dev.terrarium.cli;

import dev.terrarium.api.ManifestException;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.host.ExportDescription;
import dev.terrarium.host.ImportDescription;
import dev.terrarium.host.Manifests;
import dev.terrarium.host.ModuleDescription;
import dev.terrarium.host.PluginHost;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code terrarium inspect}: describes a module without running it. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    header = "Describe a module without running it: hash, imports, exports, embedded manifest.",
    description = {
      "Prints what MODULE is, without running it: its SHA-256 (to pin in a manifest), size, memory, imports,"
          + " exports, and its embedded manifest (custom section terrarium.manifest), if any.",
      ""
    },
    footer = {"", "Exit status: 0; 2 for usage errors; 70 when the file is not a valid module."})
final class InspectCommand implements Callable<Integer> {
  private final Streams io;

  @Mixin private Verbosity verbosity;

  @Parameters(index = "0", paramLabel = "MODULE", description = "The WebAssembly module (.wasm file).")
  private Path module;

  InspectCommand(Streams io) {
    this.io = io;
  }

  @Override
  public Integer call() {
    ModuleFiles.fileName(module);
    byte[] bytes = ModuleFiles.read(module, PluginHost.DEFAULT_LIMITS.maxModuleBytes());
    ModuleDescription d = PluginHost.inspect(bytes);
    PrintStream out = io.out();
    out.println("module:   " + module);
    if (PluginHost.isPrecompiled(bytes)) {
      out.println("precompiled: yes (signature not checked here; 'run' and hosts check it and the configuration)");
    }
    out.println("sha256:   " + d.sha256());
    out.println("size:     " + d.size() + " bytes");
    out.println("memory:   " + memory(d));
    out.println("imports:  " + d.imports().size());
    for (ImportDescription i : d.imports()) {
      out.println("  " + i);
    }
    out.println("exports:  " + d.exports().size());
    for (ExportDescription e : d.exports()) {
      out.println("  " + e);
    }
    if (d.embeddedManifest().isPresent()) {
      String json = d.embeddedManifest().get();
      out.println("embedded manifest (custom section " + PluginManifest.CUSTOM_SECTION + "):");
      json.lines().forEach(line -> out.println("  " + line));
      try {
        Manifests.parse(json, "the module's custom section");
      } catch (ManifestException | IllegalArgumentException e) {
        out.println("  (not a valid manifest: " + oneLine(e.getMessage()) + ")");
      }
    } else {
      out.println("embedded manifest: none");
    }
    if (!PluginHost.isPrecompiled(bytes)) {
      describeDescriptors(out, bytes);
    }
    Path beside = PluginHost.besideManifest(module);
    if (Files.isRegularFile(beside)) {
      out.println("manifest file: " + beside + " (beside the module; 'run' uses it instead of the embedded one)");
    }
    out.flush();
    return ExitCodes.OK;
  }

  /** The interface descriptors the module carries for 'terrarium call', if any. */
  private static void describeDescriptors(PrintStream out, byte[] bytes) {
    java.util.List<byte[]> sections = CustomSections.findAll(bytes, Descriptor.CUSTOM_SECTION);
    if (sections.isEmpty()) {
      return;
    }
    out.println("descriptors (custom sections " + Descriptor.CUSTOM_SECTION + "): " + sections.size());
    for (byte[] section : sections) {
      try {
        Descriptor d = Descriptor.parse(new String(section, java.nio.charset.StandardCharsets.UTF_8), "embedded");
        out.println("  " + d.interfaceName() + " (" + (d.exports() ? "exports" : "host module " + d.module())
            + ", version " + d.interfaceVersion() + ", " + d.functions().size() + " functions)");
      } catch (UsageException e) {
        out.println("  (not a valid descriptor: " + oneLine(e.getMessage()) + ")");
      }
    }
  }

  private static String memory(ModuleDescription d) {
    int pages = d.initialMemoryPages();
    String initial = pages + (pages == 1 ? " page" : " pages") + " (" + (pages * 64L) + " KiB) initially";
    String max =
        d.maximumMemoryPages().map(m -> "maximum " + m + (m == 1 ? " page" : " pages")).orElse("no maximum");
    return initial + ", " + max;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ");
  }
}
