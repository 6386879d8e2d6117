/**
 * The {@code sluice} command line: picocli commands that talk to the node's HTTP API
 * ({@link io.sluice.cli.NodeClient}) and manage the node's processes. No policy logic.
 */
package io.sluice.cli;
