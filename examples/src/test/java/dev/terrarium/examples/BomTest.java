package dev.terrarium.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The BOM manages every published artifact of the build, at the build's version, and nothing else. */
class BomTest {
  /** Modules that are not published (they skip their sources and javadoc jars), and the BOM itself. */
  private static final Set<String> UNPUBLISHED = Set.of("bom", "examples", "examples-jpms", "benchmarks", "sample-plugins");

  private static Document read(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  /** The text of {@code e}'s direct child {@code name} (not of a deeper one, such as the parent's artifactId). */
  private static String child(Element e, String name) {
    for (var n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element c && c.getTagName().equals(name)) {
        return c.getTextContent().trim();
      }
    }
    return null;
  }

  @Test
  void bom_managesEveryPublishedModule_atTheBuildsVersion() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Document parent = read(root.resolve("pom.xml"));
    String version = child(parent.getDocumentElement(), "version");
    List<String> published = new ArrayList<>();
    NodeList modules = ((Element) parent.getElementsByTagName("modules").item(0)).getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      if (!UNPUBLISHED.contains(module)) {
        Element project = read(root.resolve(module).resolve("pom.xml")).getDocumentElement();
        published.add(child(project, "artifactId"));
      }
    }
    Document bom = read(root.resolve("bom/pom.xml"));
    Element project = bom.getDocumentElement();
    assertThat(project.getElementsByTagName("parent").getLength()).as("the BOM has no parent").isZero();
    assertThat(child(project, "version")).isEqualTo(version);
    List<String> managed = new ArrayList<>();
    NodeList deps = bom.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      assertThat(child(d, "groupId")).isEqualTo("dev.terrarium");
      assertThat(child(d, "version")).isEqualTo("${project.version}");
      managed.add(child(d, "artifactId"));
    }
    assertThat(managed).containsExactlyInAnyOrderElementsOf(published);
    // Its usage comment names the version the build makes.
    Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(Files.readString(root.resolve("bom/pom.xml")));
    assertThat(m.find()).isTrue();
    assertThat(m.group(1)).isEqualTo(version);
  }
}
