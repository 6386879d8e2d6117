/**
 * Reads manifests (multi-document YAML, as kubectl takes) into domain resources, or into
 * {@link io.sluice.manifest.Invalid} values naming the object and field at fault.
 * Pure: text in, values out; must not depend on BPF, stores or Quarkus.
 */
package io.sluice.manifest;
