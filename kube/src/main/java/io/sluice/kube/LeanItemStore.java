package io.sluice.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer's cache that keeps each object without what Sluice never reads: its
 * {@code metadata.managedFields} and kubectl's {@code last-applied-configuration} annotation
 * (a second copy of the object as text): 7 MiB less resident in the operator with 1,100 policies
 * and 500 identities (docs/benchmarks.md, "The operator"). Only for informers whose objects are
 * read, never written back whole: the operator and the agent write status with merge patches of
 * their own. The agent's and the operator's informers of Cilium's kinds use it; the core kinds
 * keep less still ({@link ViewStore}).
 */
public class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {
    public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    public LeanItemStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public T put(String key, T object) {
        trim(object);
        return super.put(key, object);
    }

    static void trim(HasMetadata object) {
        ObjectMeta meta = object.getMetadata();
        if (meta != null) {
            meta.setManagedFields(null);
            if (meta.getAnnotations() != null) {
                meta.getAnnotations().remove(LAST_APPLIED);
            }
        }
    }
}
