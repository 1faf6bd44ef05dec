package dev.terrarium.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.terrarium.examples.docs.DocSnippets.Regions;
import dev.terrarium.examples.docs.DocSnippets.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```java} block of the repository's Markdown is a region of a compiled, tested source (see {@link
 * DocSnippets} for the convention), so that a doc and its code cannot drift apart unnoticed.
 */
class DocSnippetsTest {
  /** The repository root: the examples module's parent directory. */
  static Path repositoryRoot() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    Path root = module.getParent();
    assertThat(root.resolve("examples").resolve("pom.xml")).as("the examples module under %s", root).exists();
    return root;
  }

  @Test
  void everyJavaBlockOfTheDocsIsACompiledSnippet() {
    Path root = repositoryRoot();
    Report report = DocSnippets.checkRepository(root);

    if (!report.problems().isEmpty()) {
      fail(report.problems().size() + " problem(s) with the ```java blocks of the docs; fix the doc or its region,"
          + " whichever is wrong (the convention: " + DocSnippets.class.getName() + ")\n"
          + String.join("\n", report.problems()));
    }
    // The scan saw the docs at all: README.md, docs/*.md and sample-plugins/README.md have java blocks.
    assertThat(DocSnippets.markdownFiles(root))
        .contains(root.resolve("README.md"), root.resolve("docs/getting-started.md"),
            root.resolve("sample-plugins/README.md"))
        .noneMatch(p -> p.toString().contains("/target/"));
    assertThat(report.javaBlocks()).isGreaterThanOrEqualTo(20);
    assertThat(report.compiledBlocks()).isGreaterThan(report.javaBlocks() * 3 / 4);
  }

  // ---- the checker itself, on small inline texts ----

  private static final String SOURCE = String.join("\n",
      "class Demo {",
      "  void demo() {",
      "    // snippet: greet",
      "    String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"   ",
      "",
      "    if (hello.isEmpty()) {",
      "      throw new AssertionError();",
      "    }",
      "    // end snippet: greet",
      "  }",
      "}");

  private static Function<String, Optional<Regions>> sources(Map<String, String> files) {
    return path -> Optional.ofNullable(files.get(path)).map(text -> DocSnippets.regions(path, text));
  }

  private static Report check(String markdown) {
    return DocSnippets.checkMarkdown("doc.md", markdown, sources(Map.of("m/src/test/java/Demo.java", SOURCE)));
  }

  @Test
  void regions_areTheLinesBetweenTheMarkersWithTheirCommonIndentationRemoved() {
    Regions regions = DocSnippets.regions("m/src/test/java/Demo.java", SOURCE);

    assertThat(regions.problems()).isEmpty();
    assertThat(regions.byName()).containsOnlyKeys("greet");
    assertThat(regions.byName().get("greet").firstLine()).isEqualTo(4);
    assertThat(regions.byName().get("greet").lines()).containsExactly(
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "",
        "if (hello.isEmpty()) {",
        "  throw new AssertionError();",
        "}");
  }

  @Test
  void check_acceptsABlockEqualToItsRegion_trailingWhitespaceAside() {
    Report report = check(String.join("\n",
        "# Title",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "```java",
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "   ",
        "if (hello.isEmpty()) {",
        "  throw new AssertionError();   ",
        "}",
        "```"));

    assertThat(report.problems()).isEmpty();
    assertThat(report.javaBlocks()).isEqualTo(1);
    assertThat(report.compiledBlocks()).isEqualTo(1);
  }

  @Test
  void check_acceptsAnIndentedBlockInAListItem() {
    Report report = check(String.join("\n",
        "- a step:",
        "  <!-- snippet: m/src/test/java/Demo.java#greet -->",
        "  ```java",
        "  String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "",
        "  if (hello.isEmpty()) {",
        "    throw new AssertionError();",
        "  }",
        "  ```"));

    assertThat(report.problems()).isEmpty();
  }

  @Test
  void check_reportsADriftedBlockWithTheFirstDifferingLineOfEach() {
    Report report = check(String.join("\n",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "```java",
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "",
        "if (hello.isBlank()) {",
        "  throw new AssertionError();",
        "}",
        "```"));

    assertThat(report.problems()).singleElement().asString()
        .startsWith("doc.md:2: block differs from m/src/test/java/Demo.java#greet at its line 3")
        .contains("doc    |if (hello.isBlank()) {")
        .contains("source |if (hello.isEmpty()) {   (m/src/test/java/Demo.java:6)");
  }

  @Test
  void check_reportsChangedIndentationAndMissingOrExtraLines() {
    Report indented = check(String.join("\n",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "```java",
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "",
        "if (hello.isEmpty()) {",
        "    throw new AssertionError();",
        "}",
        "```"));
    Report shorter = check(String.join("\n",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "```java",
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "```"));

    assertThat(indented.problems()).singleElement().asString().contains("at its line 4");
    assertThat(shorter.problems()).singleElement().asString()
        .contains("at its line 2").contains("doc    <end of block>").contains("source |");
  }

  @Test
  void check_reportsEveryProblemAtOnce_blocksWithoutMarkerMissingFilesAndRegions() {
    Report report = check(String.join("\n",
        "Intro",
        "```java",
        "int x = 1;",
        "```",
        "",
        "<!-- snippet: m/src/test/java/Gone.java#greet -->",
        "```java",
        "int y = 2;",
        "```",
        "<!-- snippet: m/src/test/java/Demo.java#farewell -->",
        "```java",
        "int z = 3;",
        "```",
        "<!-- snippet: m/src/test/java/Demo.java -->",
        "```java",
        "int w = 4;",
        "```",
        "<!-- not compiled:   -->",
        "```java",
        "int v = 5;",
        "```",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "",
        "```java",
        "int u = 6;",
        "```"));

    assertThat(report.javaBlocks()).isEqualTo(6);
    assertThat(report.problems()).hasSize(7);
    assertThat(report.problems().get(0)).startsWith("doc.md:2: ```java block without a marker");
    assertThat(report.problems().get(1))
        .startsWith("doc.md:7: m/src/test/java/Gone.java#greet: no file m/src/test/java/Gone.java");
    assertThat(report.problems().get(2))
        .startsWith("doc.md:11: m/src/test/java/Demo.java#farewell: m/src/test/java/Demo.java has no region");
    assertThat(report.problems().get(3))
        .startsWith("doc.md:15: snippet marker 'm/src/test/java/Demo.java' is not PATH#NAME");
    assertThat(report.problems().get(4)).startsWith("doc.md:19: <!-- not compiled: --> gives no reason");
    assertThat(report.problems().get(5)).startsWith("doc.md:22: snippet marker not followed by a ```java block");
    assertThat(report.problems().get(6)).startsWith("doc.md:24: ```java block without a marker");
  }

  @Test
  void check_acceptsANotCompiledBlockWithAReason_andIgnoresOtherLanguagesAndNestedFences() {
    Report report = check(String.join("\n",
        "<!-- not compiled: the shape of a generated class -->",
        "```java",
        "final class TerrariumExports_Greeter { ... }",
        "```",
        "```c",
        "int main(void) { return 0; }",
        "```",
        "````markdown",
        "```java",
        "not a block of this document",
        "```",
        "````",
        "```",
        "```java (inside a plain block)",
        "```"));

    assertThat(report.problems()).isEmpty();
    assertThat(report.javaBlocks()).isEqualTo(1);
    assertThat(report.compiledBlocks()).isZero();
  }

  @Test
  void check_reportsABlockWithoutClosingFence() {
    Report report = check(String.join("\n",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "```java",
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\""));

    assertThat(report.problems()).containsExactly("doc.md:2: ```java block has no closing fence");
  }

  @Test
  void regions_reportsARegionDefinedTwiceUnclosedOrUnopened() {
    Regions regions = DocSnippets.regions("m/src/test/java/Bad.java", String.join("\n",
        "// snippet: a",
        "x();",
        "// end snippet: a",
        "  // snippet: a",
        "y();",
        "  // end snippet: a",
        "// end snippet: b",
        "// snippet: c",
        "z();"));

    assertThat(regions.problems()).containsExactly(
        "m/src/test/java/Bad.java:4: region 'a' is defined twice",
        "m/src/test/java/Bad.java:7: '// end snippet: b' without its start",
        "m/src/test/java/Bad.java:8: region 'c' has no '// end snippet: c'");
    assertThat(regions.byName().get("a").lines()).containsExactly("x();");
  }

  @Test
  void checkRepository_reportsSourcesOutsideTheRepositoryOrAModuleAndProblemsOfTheSourcesThatDocsName(
      @TempDir Path root)
      throws Exception {
    Files.createDirectories(root.resolve("docs"));
    Files.createDirectories(root.resolve("target"));
    Files.createDirectories(root.resolve("m/src/test/java"));
    Files.writeString(
        root.resolve("m/src/test/java/Demo.java"), SOURCE + "\n// snippet: greet\n// end snippet: greet\n");
    Files.writeString(root.resolve("Loose.java"), SOURCE);
    Files.writeString(root.resolve("docs/page.md"), String.join("\n",
        "<!-- snippet: m/src/test/java/Demo.java#greet -->",
        "```java",
        "String hello = greeter.greet(\"Ana\"); // \"Hello, Ana!\"",
        "",
        "if (hello.isEmpty()) {",
        "  throw new AssertionError();",
        "}",
        "```",
        "<!-- snippet: ../m/src/test/java/Demo.java#greet -->",
        "```java",
        "```",
        "<!-- snippet: Loose.java#greet -->",
        "```java",
        "```"));
    Files.writeString(root.resolve("target/ignored.md"), "```java\nint x;\n```\n");

    Report report = DocSnippets.checkRepository(root);

    assertThat(report.problems()).containsExactly(
        "docs/page.md:10: ../m/src/test/java/Demo.java#greet: no file ../m/src/test/java/Demo.java in the repository",
        "docs/page.md:13: Loose.java#greet: Loose.java is not a Java source that a module compiles"
            + " (MODULE/src/main/java/... or MODULE/src/test/java/...)",
        "m/src/test/java/Demo.java:12: region 'greet' is defined twice");
    assertThat(report.javaBlocks()).isEqualTo(3);
  }
}
