package dev.terrarium.cli;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.host.Grants;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the CLI grants. The person running {@code terrarium} is the operator, so the CLI grants what a command-line
 * program expects, and nothing from the CLI's own process that the operator did not name:
 *
 * <ul>
 *   <li>WASI {@code args}, {@code stdio}, {@code clocks}, {@code random}, {@code poll} and {@code exit}, always;
 *   <li>{@code env}, always, but the environment holds only the {@code --env} variables;
 *   <li>{@code files}: the functions are linked always (programs built with wasi-libc import them even when they
 *       touch no file), but the guest sees directories only where {@code --dir} maps them or
 *       {@code --mount-memory} puts an in-memory file system; without them it has no pre-opened directory and so
 *       no path to open;
 *   <li>no host modules, except those {@code terrarium call --host-module} answers with canned results.
 * </ul>
 *
 * <p>A plugin gets the intersection with what its manifest requests. A module that comes without any manifest gets
 * {@link #synthesizedManifest one that requests everything above}, so plain WASI programs run as they are.
 */
final class CliPolicy {
  /** The WASI groups the CLI grants. */
  static final Set<WasiCapability> WASI =
      EnumSet.of(
          WasiCapability.ARGS,
          WasiCapability.ENV,
          WasiCapability.STDIO,
          WasiCapability.CLOCKS,
          WasiCapability.RANDOM,
          WasiCapability.POLL,
          WasiCapability.FILES,
          WasiCapability.EXIT);

  private CliPolicy() {}

  /** Returns the CLI's grants with the {@code --dir} mappings mounted in their modes. */
  static Grants grants(List<DirMapping> dirs) {
    return grants(dirs, List.of());
  }

  /** Returns the CLI's grants with the {@code --dir} mappings and the host modules {@code terrarium call} answers. */
  static Grants grants(List<DirMapping> dirs, java.util.Collection<String> hostModules) {
    Grants.Builder b = Grants.builder().wasi(WASI.toArray(new WasiCapability[0]));
    hostModules.forEach(b::hostModule);
    for (DirMapping d : dirs) {
      b.mount(d.guestPath(), d.hostPath(), d.mode());
    }
    return b.build();
  }

  /**
   * Returns the manifest for a module that has none: it requests every WASI group the CLI grants and the mapped
   * directories in their modes. Its id is derived from the file name, its version is {@code 0.0.0}.
   */
  static PluginManifest synthesizedManifest(String fileName, List<DirMapping> dirs, List<String> memoryMounts) {
    return synthesizedManifest(fileName, dirs, memoryMounts, List.of());
  }

  /** Like {@link #synthesizedManifest(String, List, List)}, also requesting {@code hostModules}. */
  static PluginManifest synthesizedManifest(
      String fileName, List<DirMapping> dirs, List<String> memoryMounts, java.util.Collection<String> hostModules) {
    Capabilities.Builder caps = Capabilities.builder().wasi(WASI.toArray(new WasiCapability[0]));
    hostModules.forEach(caps::hostModule);
    for (DirMapping d : dirs) {
      caps.mount(d.guestPath(), d.mode());
    }
    for (String m : memoryMounts) {
      caps.mount(m, MountMode.READ_WRITE);
    }
    return new PluginManifest(PluginManifest.idFromFileName(fileName), "0.0.0", null, caps.build(), null);
  }
}
