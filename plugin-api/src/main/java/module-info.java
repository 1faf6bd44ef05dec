/** Terrarium's plugin-facing API: manifests, limits, errors and the low-level host-function contract. */
module dev.terrarium.api {
  requires com.fasterxml.jackson.annotation;

  exports dev.terrarium.api;
  exports dev.terrarium.api.abi;
}
