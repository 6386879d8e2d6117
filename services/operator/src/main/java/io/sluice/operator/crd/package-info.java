/**
 * Cilium's {@code cilium.io/v2} resources as Sluice serves them: the CRDs are generated from
 * these classes at build time (into the Helm chart, k8s/sluice/crds), with Cilium's names, short names, scopes and
 * printer columns, so that Cilium's manifests apply unchanged. Where a field's shape is Cilium's
 * to extend (rules, Envoy resources), the schema keeps what it is given and the validator the
 * agent enforces with judges it, naming the field in the object's status.
 */
package io.sluice.operator.crd;
