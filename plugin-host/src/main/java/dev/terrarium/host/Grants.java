package dev.terrarium.host;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.WasiCapability;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a host allows plugins to use. Nothing is granted by default. A plugin gets the intersection of these
 * grants and what its manifest requests: host modules and WASI groups present on both sides, and the granted
 * mounts (when {@code files} is in effect), each at the lower of the two modes.
 *
 * <p>Host modules of registered host functions are granted implicitly: registering them is the grant.
 *
 * @param hostModules host import modules plugins may import from
 * @param wasi WASI function groups plugins may import
 * @param mounts host directories plugins may see
 */
public record Grants(Set<String> hostModules, Set<WasiCapability> wasi, List<Mount> mounts) {
  private static final Grants NONE = new Grants(Set.of(), Set.of(), List.of());

  public Grants {
    hostModules = Set.copyOf(hostModules);
    wasi = wasi.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(wasi));
    mounts = List.copyOf(mounts);
    Set<String> seen = new LinkedHashSet<>();
    for (Mount m : mounts) {
      if (!seen.add(m.guestPath())) {
        throw new IllegalArgumentException("guest path '" + m.guestPath() + "' is mounted twice");
      }
    }
  }

  /** Grants nothing. */
  public static Grants none() {
    return NONE;
  }

  /** Returns a builder that starts from nothing. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Grants}. */
  public static final class Builder {
    private final Set<String> hostModules = new LinkedHashSet<>();
    private final Set<WasiCapability> wasi = EnumSet.noneOf(WasiCapability.class);
    private final List<Mount> mounts = new ArrayList<>();

    private Builder() {}

    /** Grants a host import module. */
    public Builder hostModule(String module) {
      if (module == null || module.isBlank()) {
        throw new IllegalArgumentException("host module name must not be blank");
      }
      hostModules.add(module);
      return this;
    }

    /** Grants WASI function groups. */
    public Builder wasi(WasiCapability... capabilities) {
      wasi.addAll(List.of(capabilities));
      return this;
    }

    /** Grants every WASI group: args, env, stdio, clocks, random, poll, files and exit. */
    public Builder allWasi() {
      wasi.addAll(EnumSet.allOf(WasiCapability.class));
      return this;
    }

    /** Grants a host directory at {@code guestPath}. */
    public Builder mount(String guestPath, Path hostPath, MountMode mode) {
      mounts.add(new Mount(guestPath, hostPath, mode));
      return this;
    }

    public Grants build() {
      return new Grants(hostModules, wasi, mounts);
    }
  }
}
