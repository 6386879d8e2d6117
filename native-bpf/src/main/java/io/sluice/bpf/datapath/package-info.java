/**
 * The datapath's map and event layouts (native-bpf/src/main/bpf/datapath.h) as Java records
 * with byte codecs. Mirrors the C structs byte for byte; no policy or endpoint logic here.
 */
package io.sluice.bpf.datapath;
