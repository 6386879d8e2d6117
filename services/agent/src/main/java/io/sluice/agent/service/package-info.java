/**
 * The service table: which ready endpoints back which ClusterIP frontend (kube-proxy's job,
 * done here for the datapath). Pure: services and endpoints in, frontends out.
 */
package io.sluice.agent.service;
