/**
 * Endpoints as the engine and the service table see them (labels, address, named ports,
 * readiness), and the parsing of a pod's requested ports. Pure: no I/O, no BPF.
 */
package io.sluice.agent.endpoint;
