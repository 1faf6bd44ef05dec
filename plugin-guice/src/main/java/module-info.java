/** Terrarium's Guice integration: {@code TerrariumModule}, {@code TerrariumBinder} and plugins injected by id. */
module dev.terrarium.host.guice {
  requires transitive dev.terrarium.host;
  requires transitive com.google.guice;
  requires jakarta.inject;
  requires micrometer.core;

  exports dev.terrarium.host.guice;

  opens dev.terrarium.host.guice to com.google.guice;
}
