package dev.terrarium.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that every {@code ```java} block of the Markdown docs is a copy of a region of a compiled Java source.
 *
 * <p>In Markdown, the line immediately before a {@code ```java} fence is {@code <!-- snippet: PATH#NAME -->}
 * (PATH relative to the repository root) or {@code <!-- not compiled: REASON -->}. In Java, region NAME is the
 * lines strictly between {@code // snippet: NAME} and {@code // end snippet: NAME}, each alone on its line. A block
 * must equal its region once the region's common leading indentation is removed; trailing whitespace is ignored,
 * nothing else is normalised.
 */
final class DocSnippets {
  private static final Pattern FENCE = Pattern.compile("^( *)(`{3,}|~{3,})\\s*([^`\\s]*).*$");
  private static final Pattern SNIPPET_MARKER = Pattern.compile("^\\s*<!--\\s*snippet:\\s*(\\S*?)\\s*-->\\s*$");
  private static final Pattern NOT_COMPILED_MARKER = Pattern.compile("^\\s*<!--\\s*not compiled:(.*?)-->\\s*$");
  private static final Pattern ANY_MARKER = Pattern.compile("^\\s*<!--\\s*(snippet|not compiled)\\b.*$");
  private static final Pattern REGION_START = Pattern.compile("^\\s*// snippet: (\\S+)\\s*$");
  private static final Pattern REGION_END = Pattern.compile("^\\s*// end snippet: (\\S+)\\s*$");
  private static final Pattern COMPILED_SOURCE =
      Pattern.compile("([\\w.-]+/)+src/(main|test)/java/([\\w$-]+/)*[\\w$]+\\.java");
  private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "node_modules");

  private DocSnippets() {}

  /** What a check found: the problems, one line each ({@code file:line: what}), and how many blocks it checked. */
  record Report(List<String> problems, int javaBlocks, int compiledBlocks) {
    Report {
      problems = List.copyOf(problems);
    }
  }

  /** A region of a Java source: its first content line (1-based) and its lines, common indentation removed. */
  record Region(String name, int firstLine, List<String> lines) {
    Region {
      lines = List.copyOf(lines);
    }
  }

  /** The regions of a source, and the problems of its markers (a region defined twice, unclosed or unopened). */
  record Regions(Map<String, Region> byName, List<String> problems) {
    Regions {
      byName = Map.copyOf(byName);
      problems = List.copyOf(problems);
    }
  }

  /** Checks every Markdown file under {@code root} outside {@code target/}, {@code node_modules/} and dot-folders. */
  static Report checkRepository(Path root) {
    Map<String, Regions> regionsByPath = new LinkedHashMap<>();
    Function<String, Optional<Regions>> sources = path -> {
      if (!regionsByPath.containsKey(path)) {
        Path file = root.resolve(path).normalize();
        regionsByPath.put(path,
            file.startsWith(root) && Files.isRegularFile(file) ? regions(path, read(file)) : null);
      }
      return Optional.ofNullable(regionsByPath.get(path));
    };
    List<String> problems = new ArrayList<>();
    int javaBlocks = 0;
    int compiledBlocks = 0;
    for (Path markdown : markdownFiles(root)) {
      String name = root.relativize(markdown).toString().replace('\\', '/');
      Report report = checkMarkdown(name, read(markdown), sources);
      problems.addAll(report.problems());
      javaBlocks += report.javaBlocks();
      compiledBlocks += report.compiledBlocks();
    }
    // Problems of the sources' markers, once per source that a doc names.
    regionsByPath.values().stream()
        .filter(r -> r != null)
        .forEach(r -> problems.addAll(r.problems()));
    return new Report(problems, javaBlocks, compiledBlocks);
  }

  /** The Markdown files under {@code root}, sorted, skipping build output and hidden directories. */
  static List<Path> markdownFiles(Path root) {
    List<Path> files = new ArrayList<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
          boolean skip = !dir.equals(root) && (SKIPPED_DIRECTORIES.contains(name) || name.startsWith("."));
          return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && file.getFileName().toString().endsWith(".md")) {
            files.add(file);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.sort(null);
    return files;
  }

  /**
   * Checks the {@code ```java} blocks of one Markdown text. {@code sources} gives the regions of a source by its
   * repository-relative path, or empty when there is no such file.
   */
  static Report checkMarkdown(String file, String markdown, Function<String, Optional<Regions>> sources) {
    List<String> lines = markdown.lines().toList();
    List<String> problems = new ArrayList<>();
    int javaBlocks = 0;
    int compiledBlocks = 0;
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      Matcher fence = FENCE.matcher(line);
      if (!fence.matches()) {
        if (ANY_MARKER.matcher(line).matches() && !isJavaFence(lines, i + 1)) {
          problems.add(file + ":" + (i + 1) + ": snippet marker not followed by a ```java block: " + line.strip());
        }
        i++;
        continue;
      }
      // A fenced block: find its end (a fence of the same kind, at least as long, with nothing after it).
      String indent = fence.group(1);
      String marks = fence.group(2);
      int end = i + 1;
      while (end < lines.size() && !closes(lines.get(end), marks)) {
        end++;
      }
      if (fence.group(3).equals("java")) {
        javaBlocks++;
        List<String> block = new ArrayList<>();
        for (String content : lines.subList(i + 1, Math.min(end, lines.size()))) {
          block.add(stripTrailing(removeIndent(content, indent.length())));
        }
        String where = file + ":" + (i + 1);
        String before = i == 0 ? "" : lines.get(i - 1);
        Matcher snippet = SNIPPET_MARKER.matcher(before);
        Matcher notCompiled = NOT_COMPILED_MARKER.matcher(before);
        if (end >= lines.size()) {
          problems.add(where + ": ```java block has no closing fence");
        } else if (snippet.matches()) {
          compiledBlocks++;
          compare(where, snippet.group(1), block, sources).ifPresent(problems::add);
        } else if (notCompiled.matches()) {
          if (notCompiled.group(1).isBlank()) {
            problems.add(where + ": <!-- not compiled: --> gives no reason");
          }
        } else {
          problems.add(where + ": ```java block without a marker on the line before it"
              + " (<!-- snippet: PATH#NAME --> or <!-- not compiled: REASON -->)");
        }
      }
      i = end + 1;
    }
    return new Report(problems, javaBlocks, compiledBlocks);
  }

  private static Optional<String> compare(
      String where, String reference, List<String> block, Function<String, Optional<Regions>> sources) {
    int hash = reference.indexOf('#');
    if (hash <= 0 || hash == reference.length() - 1) {
      return Optional.of(where + ": snippet marker '" + reference + "' is not PATH#NAME");
    }
    String path = reference.substring(0, hash);
    String name = reference.substring(hash + 1);
    if (!COMPILED_SOURCE.matcher(path).matches()) {
      return Optional.of(where + ": " + reference + ": " + path
          + " is not a Java source that a module compiles (MODULE/src/main/java/... or MODULE/src/test/java/...)");
    }
    Optional<Regions> regions = sources.apply(path);
    if (regions.isEmpty()) {
      return Optional.of(where + ": " + reference + ": no file " + path + " in the repository");
    }
    Region region = regions.get().byName().get(name);
    if (region == null) {
      return Optional.of(where + ": " + reference + ": " + path + " has no region '" + name
          + "' (// snippet: " + name + " ... // end snippet: " + name + ")");
    }
    List<String> expected = region.lines();
    int n = Math.max(expected.size(), block.size());
    for (int k = 0; k < n; k++) {
      String doc = k < block.size() ? block.get(k) : null;
      String src = k < expected.size() ? expected.get(k) : null;
      if (doc == null || !doc.equals(src)) {
        return Optional.of(where + ": block differs from " + reference + " at its line " + (k + 1) + "\n"
            + "      doc    " + shown(doc) + "\n"
            + "      source " + shown(src) + "   (" + path + ":" + (region.firstLine() + k) + ")");
      }
    }
    return Optional.empty();
  }

  private static String shown(String line) {
    return line == null ? "<end of block>" : "|" + line;
  }

  /** The regions of a Java source named {@code path} (for messages). */
  static Regions regions(String path, String source) {
    List<String> lines = source.lines().toList();
    Map<String, Region> regions = new LinkedHashMap<>();
    Map<String, Integer> open = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher start = REGION_START.matcher(lines.get(i));
      Matcher end = REGION_END.matcher(lines.get(i));
      if (start.matches()) {
        String name = start.group(1);
        if (open.containsKey(name) || regions.containsKey(name)) {
          problems.add(path + ":" + (i + 1) + ": region '" + name + "' is defined twice");
        }
        open.putIfAbsent(name, i); // a second definition's end closes it; the first definition counts
      } else if (end.matches()) {
        String name = end.group(1);
        Integer from = open.remove(name);
        if (from == null) {
          problems.add(path + ":" + (i + 1) + ": '// end snippet: " + name + "' without its start");
        } else {
          regions.putIfAbsent(name, new Region(name, from + 2, dedent(lines.subList(from + 1, i))));
        }
      }
    }
    open.forEach((name, line) ->
        problems.add(path + ":" + (line + 1) + ": region '" + name + "' has no '// end snippet: " + name + "'"));
    return new Regions(regions, problems);
  }

  /** Removes the common leading whitespace of the non-blank lines, and every line's trailing whitespace. */
  static List<String> dedent(List<String> lines) {
    String common = null;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String lead = line.substring(0, line.length() - line.stripLeading().length());
      common = common == null ? lead : commonPrefix(common, lead);
    }
    int cut = common == null ? 0 : common.length();
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      out.add(line.isBlank() ? "" : stripTrailing(line.substring(cut)));
    }
    return out;
  }

  private static String commonPrefix(String a, String b) {
    int k = 0;
    while (k < a.length() && k < b.length() && a.charAt(k) == b.charAt(k)) {
      k++;
    }
    return a.substring(0, k);
  }

  private static boolean isJavaFence(List<String> lines, int index) {
    if (index >= lines.size()) {
      return false;
    }
    Matcher fence = FENCE.matcher(lines.get(index));
    return fence.matches() && fence.group(3).equals("java");
  }

  private static boolean closes(String line, String marks) {
    String stripped = line.strip();
    return stripped.length() >= marks.length()
        && stripped.chars().allMatch(c -> c == marks.charAt(0))
        && line.length() - line.stripLeading().length() < 4;
  }

  /** A block inside a list item is indented like its fence: remove up to that many leading spaces. */
  private static String removeIndent(String line, int indent) {
    int k = 0;
    while (k < indent && k < line.length() && line.charAt(k) == ' ') {
      k++;
    }
    return line.substring(k);
  }

  private static String stripTrailing(String line) {
    return line.stripTrailing();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
