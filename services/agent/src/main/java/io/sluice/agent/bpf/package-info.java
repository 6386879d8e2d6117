/**
 * Adapter to the datapath (native-bpf): converts endpoints, resolved policies, services and
 * the ipcache into map entries, writing the difference only (upsert first, delete stale
 * last), so enforcement never lapses; decodes ring-buffer events. No policy logic.
 */
package io.sluice.agent.bpf;
