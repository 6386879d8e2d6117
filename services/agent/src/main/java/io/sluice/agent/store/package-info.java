/**
 * Adapter to the node's file-backed store: applied objects, pods, identities and address
 * allocations in one JSON file, replaced atomically on each change so a crash never leaves
 * half a state. Holds no policy logic.
 */
package io.sluice.agent.store;
