package dev.terrarium.host.engine;

import java.util.Objects;

/**
 * What compiling a module produced: the artifact, and when asked for, its generated classes in Endive's class-jar
 * format (after any rewrite of them, such as {@link FuelField}'s), which {@link ParsedModule#restore} loads back.
 *
 * @param artifact the compiled module
 * @param classJar the generated classes, or {@code null} when not kept or when nothing was compiled (interpreter)
 * @param classBytes the summed size of the generated class files
 * @param interpreted the defined functions (by their position in the code section) that the compiled classes leave
 *     to Endive's interpreter, in ascending order; {@code null} when nothing was compiled, or when loading its
 *     classes back needs every body (see {@code StoredModule#interpreted})
 */
public record Compilation(EngineArtifact artifact, byte[] classJar, long classBytes, int[] interpreted) {
  public Compilation {
    Objects.requireNonNull(artifact, "artifact");
  }
}
