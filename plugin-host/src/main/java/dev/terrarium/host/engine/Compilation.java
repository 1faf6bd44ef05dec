package dev.terrarium.host.engine;

import java.util.Objects;

/**
 * What compiling a module produced: the artifact, and when asked for, its generated classes in Endive's class-jar
 * format (after any rewrite of them, such as {@link FuelField}'s), which {@link ParsedModule#restore} loads back.
 *
 * @param artifact the compiled module
 * @param classJar the generated classes, or {@code null} when not kept or when nothing was compiled (interpreter)
 * @param classBytes the summed size of the generated class files
 */
public record Compilation(EngineArtifact artifact, byte[] classJar, long classBytes) {
  public Compilation {
    Objects.requireNonNull(artifact, "artifact");
  }
}
