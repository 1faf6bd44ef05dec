package dev.terrarium.abi.java;

import com.palantir.javapoet.ClassName;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;

/**
 * What the Java writer needs besides the language-neutral {@link dev.terrarium.abi.model.InterfaceModel}: the
 * Java names of the types involved and a few source-level details that only matter to Java.
 *
 * @param element the annotated interface
 * @param iface the interface's class name
 * @param classes the class name of every record and enum of the model, by its qualified (canonical) name
 * @param varargs the Java names of methods whose last parameter is declared {@code byte...}
 * @param deprecated whether the interface, one of its methods, or a record or enum it uses is deprecated (the
 *     generated code then suppresses deprecation warnings and marks overriding methods {@code @Deprecated})
 * @param deprecatedMethods the Java names of the deprecated methods
 * @param originating the interface and every record and enum it uses, for incremental builds
 * @param markGenerated whether {@code javax.annotation.processing.Generated} is visible to the compiled code (it
 *     lives in module {@code java.compiler}, which a modular project may not read)
 */
public record JavaTypes(
    TypeElement element,
    ClassName iface,
    Map<String, ClassName> classes,
    Set<String> varargs,
    boolean deprecated,
    Set<String> deprecatedMethods,
    List<Element> originating,
    boolean markGenerated) {
  public JavaTypes {
    Objects.requireNonNull(element, "element");
    Objects.requireNonNull(iface, "iface");
    classes = Map.copyOf(classes);
    varargs = Set.copyOf(varargs);
    deprecatedMethods = Set.copyOf(deprecatedMethods);
    originating = List.copyOf(originating);
  }

  /** Returns the class name of a record or enum of the model. */
  public ClassName classNamed(String qualifiedName) {
    ClassName name = classes.get(qualifiedName);
    if (name == null) {
      throw new IllegalArgumentException("no Java class known for " + qualifiedName);
    }
    return name;
  }
}
