package dev.terrarium.api;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a plugin asks to use. Host modules and WASI groups not listed are denied.
 *
 * <p>Directories are the host's decision: a plugin with the {@code files} group sees the mounts the host
 * grants. {@code mounts} can only lower the mode of one of them (to read-only); it never adds a directory.
 *
 * @param hostModules the host import modules the plugin may import functions from, e.g. {@code kv}
 * @param wasi the WASI function groups it may import
 * @param mounts the access the plugin asks for on the host's mounts, by guest path
 */
public record Capabilities(Set<String> hostModules, Set<WasiCapability> wasi, List<MountRequest> mounts) {
  private static final Capabilities NONE = new Capabilities(Set.of(), Set.of(), List.of());

  public Capabilities {
    hostModules = hostModules == null ? Set.of() : Set.copyOf(hostModules);
    wasi = wasi == null || wasi.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(wasi));
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    Set<String> seen = new LinkedHashSet<>();
    for (MountRequest m : mounts) {
      if (!seen.add(m.guestPath())) {
        throw new IllegalArgumentException("mount '" + m.guestPath() + "' is requested twice");
      }
    }
    for (String module : hostModules) {
      if (module == null || module.isBlank()) {
        throw new IllegalArgumentException("host module names must not be blank");
      }
    }
  }

  /** Asks for nothing. */
  public static Capabilities none() {
    return NONE;
  }

  /** Returns a builder for capabilities. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Capabilities}. */
  public static final class Builder {
    private final Set<String> hostModules = new LinkedHashSet<>();
    private final Set<WasiCapability> wasi = EnumSet.noneOf(WasiCapability.class);
    private final List<MountRequest> mounts = new ArrayList<>();

    private Builder() {}

    public Builder hostModule(String module) {
      hostModules.add(module);
      return this;
    }

    public Builder wasi(WasiCapability... capabilities) {
      wasi.addAll(List.of(capabilities));
      return this;
    }

    public Builder mount(String guestPath, MountMode mode) {
      mounts.add(new MountRequest(guestPath, mode));
      return this;
    }

    public Capabilities build() {
      return new Capabilities(hostModules, wasi, mounts);
    }
  }
}
