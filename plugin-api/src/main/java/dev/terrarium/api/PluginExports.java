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
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PluginExports {
  /** A prefix for every export name of this interface, e.g. {@code greeter_}; none by default. */
  String prefix() default "";
}
