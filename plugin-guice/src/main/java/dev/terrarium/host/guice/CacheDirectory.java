package dev.terrarium.host.guice;

import com.google.inject.BindingAnnotation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Qualifies the {@link java.nio.file.Path} of the directory where the host keeps compiled modules across processes
 * (see {@link TerrariumBinder#cacheDirectory}). Unbound by default: the process-wide cache, in memory.
 */
@BindingAnnotation
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface CacheDirectory {}
