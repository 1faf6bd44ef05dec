package dev.terrarium.host.guice;

import com.google.inject.BindingAnnotation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the plugin to inject: {@code @Inject @PluginId("greeter") Plugin greeter}, for a plugin declared with {@link
 * TerrariumBinder#plugin}.
 */
@BindingAnnotation
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface PluginId {
  /** The plugin's id, as its manifest gives it. */
  String value();
}
