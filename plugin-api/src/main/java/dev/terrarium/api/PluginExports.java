package dev.terrarium.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface that plugins implement and the host calls. The {@code abi-codegen} processor generates
 * {@code TerrariumExports_<Name>} (a typed proxy), a C header and a Rust module for plugin authors, and a JSON
 * descriptor. Obtain a proxy with {@code instance.exports(Interface.class)}.
 *
 * <p>Interfaces grow: a {@code default} method is an <em>optional</em> export. A plugin built before the method was
 * added does not export it, and the proxy then runs the default method instead; every abstract method is
 * required, and {@code exports(...)} names every required export a plugin lacks at once. Raise {@link #version}
 * when the interface changes, so that descriptors and messages say which version a plugin was built against.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PluginExports {
  /** A prefix for every export name of this interface, e.g. {@code greeter_}; none by default. */
  String prefix() default "";

  /**
   * The interface's version, at least 1: raise it when methods are added (as {@code default} methods, so that
   * older plugins keep working). Written into the descriptor as {@code interfaceVersion}.
   */
  int version() default 1;
}
