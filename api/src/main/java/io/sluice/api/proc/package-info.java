/**
 * A process the node started, named by its pid and start time as the node's pid files hold them;
 * shared by the agent, which writes and supervises them, and the CLI, which reads them. Must not
 * depend on any Sluice module.
 */
package io.sluice.api.proc;
