/**
 * The standalone node's HTTP API between the {@code sluice} CLI and the agent: plain records,
 * serialised as JSON. No behaviour; must not depend on any Sluice module.
 */
package io.sluice.api.node;
