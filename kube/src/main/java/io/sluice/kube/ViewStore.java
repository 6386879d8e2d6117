package io.sluice.kube;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * An informer's cache of one core kind that keeps, for each object, the {@link Core} view the
 * service reads, made once as the object arrives; the informer itself keeps only the object's
 * identity (kind, name, namespace, uid, resourceVersion), which is all it compares. An object the
 * view cannot be made of (a field of an unexpected type) is logged with its name and the field,
 * listed in {@link #unreadable()} until a later version can be read, and its last good view stays.
 * <pre>{@code
 * ViewStore<Core.Pod> pods = new ViewStore<>(Core.Pod.class);
 * informer.itemStore(pods);
 * pods.views(); // as the informer last saw them
 * }</pre>
 */
public final class ViewStore<V> extends BasicItemStore<GenericKubernetesResource> {
    private static final Logger LOG = Logger.getLogger(ViewStore.class);
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Class<V> type;
    private final Map<String, V> views = new ConcurrentHashMap<>();
    private final Map<String, String> unreadable = new ConcurrentHashMap<>();

    public ViewStore(Class<V> type) {
        super(Cache::metaNamespaceKeyFunc);
        this.type = type;
    }

    /** The view of one object as served by the API server. */
    public static <V> V view(GenericKubernetesResource object, Class<V> type) {
        return JSON.convertValue(object, type);
    }

    @Override
    public GenericKubernetesResource put(String key, GenericKubernetesResource object) {
        try {
            views.put(key, view(object, type));
            unreadable.remove(key);
        } catch (IllegalArgumentException e) {
            String problem = object.getKind() + " " + key + ": cannot be read (" + why(e) + "); its last good state stays in force";
            if (!problem.equals(unreadable.put(key, problem))) {
                LOG.error(problem);
            }
        }
        return super.put(key, identity(object));
    }

    @Override
    public GenericKubernetesResource remove(String key) {
        views.remove(key);
        unreadable.remove(key);
        return super.remove(key);
    }

    /** The views of the objects the informer holds now. */
    public List<V> views() {
        return List.copyOf(views.values());
    }

    /** The objects whose last version could not be read, and why. */
    public List<String> unreadable() {
        return List.copyOf(unreadable.values());
    }

    /** The view of the object of {@code key} (namespace/name, or name), or null. */
    public V view(String key) {
        return views.get(key);
    }

    /** The field that could not be read, by its path in the object, and Jackson's reason. */
    public static String why(IllegalArgumentException e) {
        String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        if (e.getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return "field " + field + ": " + m.getOriginalMessage().lines().findFirst().orElse("");
        }
        return reason;
    }

    private static GenericKubernetesResource identity(GenericKubernetesResource o) {
        GenericKubernetesResource out = new GenericKubernetesResource();
        out.setApiVersion(o.getApiVersion());
        out.setKind(o.getKind());
        ObjectMeta m = o.getMetadata(), kept = new ObjectMeta();
        if (m != null) {
            kept.setName(m.getName());
            kept.setNamespace(m.getNamespace());
            kept.setUid(m.getUid());
            kept.setResourceVersion(m.getResourceVersion());
        }
        out.setMetadata(kept);
        return out;
    }
}
