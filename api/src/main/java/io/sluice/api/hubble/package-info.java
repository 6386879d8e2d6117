/**
 * Hubble's API: the generated messages and stubs of src/main/proto (packages
 * {@code io.sluice.api.hubble.flow}, {@code .observer}, {@code .peer}, {@code .relay}) and the
 * few facts both the servers and the CLI need.
 */
package io.sluice.api.hubble;
