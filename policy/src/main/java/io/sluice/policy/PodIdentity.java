package io.sluice.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A pod's security identity as Cilium has it: which labels count, and which number a label set
 * gets. The operator allocates the numbers as CiliumIdentity objects; an agent that sees a label
 * set before its object exists computes the same number the same way, so both agree but for a
 * collision the operator has not resolved yet. Pure.
 */
public final class PodIdentity {
    public static final String NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels.";
    public static final String SERVICE_ACCOUNT = "io.cilium.k8s.policy.serviceaccount";
    public static final String CLUSTER = "io.cilium.k8s.policy.cluster";
    /** Label-based identities fall in Cilium's cluster-scoped range, 256-65535. */
    public static final int LIMIT = 1 << 16;

    private PodIdentity() {}

    /**
     * Labels Kubernetes' controllers put on pods to tell them apart (a ReplicaSet's template hash,
     * a StatefulSet's pod name...): Cilium leaves them out of identities, or every rollout would
     * make new ones. {@code app.kubernetes.io/*} stays.
     */
    private static final java.util.regex.Pattern NOT_SECURITY_RELEVANT = java.util.regex.Pattern.compile(
            "^(io\\.kubernetes|kubernetes\\.io|statefulset\\.kubernetes\\.io/pod-name|apps\\.kubernetes\\.io/pod-index"
                    + "|batch\\.kubernetes\\.io/job-completion-index|batch\\.kubernetes\\.io/controller-uid|.*beta\\.kubernetes\\.io"
                    + "|k8s\\.io|pod-template-generation|pod-template-hash|controller-revision-hash|annotation.*|etcd_node)");

    /**
     * Cilium's labels of a pod: its own security-relevant ones, its namespace's, its service
     * account's and the cluster's.
     */
    public static Labels labels(String namespace, Map<String, String> podLabels, Map<String, String> namespaceLabels,
                                String serviceAccount) {
        Map<String, String> relevant = new TreeMap<>();
        podLabels.forEach((k, v) -> {
            if (!NOT_SECURITY_RELEVANT.matcher(k).find()) {
                relevant.put(k, v);
            }
        });
        List<Label> all = new ArrayList<>(Labels.ofPod(namespace, relevant).all());
        namespaceLabels.forEach((k, v) -> all.add(Label.k8s(NAMESPACE_LABELS + k, v)));
        all.add(Label.k8s(SERVICE_ACCOUNT, serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount));
        all.add(Label.k8s(CLUSTER, "default"));
        return new Labels(all);
    }

    /**
     * The number for a label set not in {@code taken}'s keys: a hash of its labels into
     * 256-65535, the next free number on a collision with any of {@code taken}'s values.
     */
    public static int allocate(Labels labels, Map<String, Integer> taken) {
        Integer known = taken.get(labels.toString());
        if (known != null) {
            return known;
        }
        Set<Integer> used = new HashSet<>(taken.values());
        int span = LIMIT - Identity.FIRST_ALLOCATED;
        int start = Math.floorMod(hash(labels.toString()), span);
        for (int i = 0; i < span; i++) {
            int id = Identity.FIRST_ALLOCATED + (start + i) % span;
            if (!used.contains(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free identity left in 256-65535");
    }

    /** A CiliumIdentity's {@code security-labels}: {@code source:key} -> value. */
    public static Map<String, String> securityLabels(Labels labels) {
        Map<String, String> out = new TreeMap<>();
        labels.all().forEach(l -> out.put(l.source() + ":" + l.key(), l.value()));
        return out;
    }

    /** The label set a CiliumIdentity's {@code security-labels} stand for (a key without a source is k8s's). */
    public static Labels fromSecurityLabels(Map<String, String> securityLabels) {
        List<Label> all = new ArrayList<>();
        securityLabels.forEach((k, v) -> {
            int colon = k.indexOf(':');
            all.add(colon < 0 ? Label.k8s(k, v == null ? "" : v)
                    : new Label(k.substring(0, colon), k.substring(colon + 1), v == null ? "" : v));
        });
        return new Labels(all);
    }

    private static int hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
