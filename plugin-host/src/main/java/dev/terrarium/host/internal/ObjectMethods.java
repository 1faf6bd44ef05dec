package dev.terrarium.host.internal;

import java.lang.reflect.Method;

/** The {@code Object} methods of the host's export proxies: identity equality and hash, and a description. */
public final class ObjectMethods {
  private ObjectMethods() {}

  /** Whether {@code method} is one of {@code Object}'s, to be answered by {@link #invoke}. */
  public static boolean handles(Method method) {
    return method.getDeclaringClass() == Object.class;
  }

  /** Answers {@code equals}, {@code hashCode} and {@code toString} (as {@code description}) for {@code proxy}. */
  public static Object invoke(Object proxy, Method method, Object[] args, String description) {
    switch (method.getName()) {
      case "equals":
        return proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      default:
        return description;
    }
  }
}
