package dev.terrarium.examples.jpms;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.PluginInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the calculator plugin given as the first argument, calls {@code add(2, 3)} through the typed proxy, and
 * prints the result, what the plugin noted through the typed host imports, and whether this module exports its
 * package to Terrarium (it does not).
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    List<Integer> noted = new ArrayList<>();
    Audit audit = noted::add;
    try (PluginHost host = PluginHost.builder().hostImports(Audit.class, audit).build()) {
      PluginManifest manifest =
          PluginManifest.of("calculator", "1.0.0")
              .withCapabilities(Capabilities.builder().hostModule("audit").build());
      Plugin plugin = host.load(Files.readAllBytes(Path.of(args[0])), manifest);
      try (PluginInstance instance = plugin.instantiate()) {
        int sum = instance.exports(Calculator.class).add(2, 3);
        Module self = Main.class.getModule();
        System.out.println("add(2, 3) = " + sum + "; audit noted " + noted);
        System.out.println(
            "module " + self.getName() + " exports " + Main.class.getPackageName() + " to dev.terrarium.host: "
                + self.isExported(Main.class.getPackageName(), PluginHost.class.getModule()));
      }
    }
  }
}
