package io.sluice.agent.node;

import io.sluice.agent.envoy.EnvoyConfigs;
import io.sluice.manifest.Resource;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Envoy configs Envoy rejected, by key (kind/namespace/name): the source it rejected and its
 * message. A rejection stands until the config changes or goes, and is taken out for another try
 * every {@link #RETRY_INTERVAL} (what Envoy refused may have been passing: a port another
 * process held); a config tried again has its resources marked with its attempt
 * ({@link EnvoyConfigs#attempt}), because the control plane sends only what changed. Not
 * thread-safe, but for {@link #onRetryDue}: {@link ProxyControl} calls it from its reconciles.
 */
final class Rejections {
    private static final Logger LOG = Logger.getLogger(Rejections.class);
    /** Cilium's envoy-config-retry-interval. */
    static final Duration RETRY_INTERVAL = Duration.ofSeconds(15);

    record Rejection(String source, String message, long atNanos) {}

    private record Attempt(String source, int n) {}

    private final Map<String, Rejection> rejected = new HashMap<>();
    private final Map<String, Attempt> attempts = new HashMap<>();
    private final List<Runnable> retryListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("envoy-config-retry").daemon().unstarted(r));
    private ScheduledFuture<?> retryDue;
    /** The rejections taken out for another try by the last {@link #takeDue}. */
    private Map<String, Rejection> retried = Map.of();

    boolean contains(String key) {
        return rejected.containsKey(key);
    }

    /** The rejection of this config, or null. */
    Rejection get(String key) {
        return rejected.get(key);
    }

    /** Forgets the configs that are gone or changed since (byKey: the configs now). */
    void keepOnly(Map<String, Resource.EnvoyConfig> byKey) {
        rejected.keySet().removeIf(k -> !byKey.containsKey(k) || !byKey.get(k).source().equals(rejected.get(k).source()));
        attempts.keySet().removeIf(k -> !byKey.containsKey(k) || !byKey.get(k).source().equals(attempts.get(k).source()));
    }

    /**
     * Takes the rejections that are due out, so that their configs are pushed again, and marks in
     * translated every config tried again with its attempt.
     */
    void takeDue(Map<String, EnvoyConfigs.Translated> translated) {
        long now = System.nanoTime();
        Map<String, Rejection> due = new HashMap<>();
        rejected.entrySet().removeIf(e -> {
            if (now - e.getValue().atNanos() < RETRY_INTERVAL.toNanos()) {
                return false;
            }
            due.put(e.getKey(), e.getValue());
            attempts.merge(e.getKey(), new Attempt(e.getValue().source(), 1), (a, b) -> new Attempt(a.source(), a.n() + 1));
            return true;
        });
        retried = due;
        attempts.forEach((k, a) -> translated.put(k, EnvoyConfigs.attempt(translated.get(k), a.n())));
    }

    /** t, marked with the config's attempt when it is being tried again. */
    EnvoyConfigs.Translated marked(String key, EnvoyConfigs.Translated t) {
        Attempt a = attempts.get(key);
        return a == null ? t : EnvoyConfigs.attempt(t, a.n());
    }

    /** Records that Envoy rejected this version of the config; a retry refused for the same reason logs at debug. */
    void reject(String key, String source, String reason) {
        rejected.put(key, new Rejection(source, reason, System.nanoTime()));
        Rejection before = retried.get(key);
        if (before != null && before.message().equals(reason)) {
            LOG.debugf("Envoy rejected %s again: %s", key, reason);
        } else {
            LOG.warnf("Envoy rejected %s: %s; its last acknowledged version stays in force, and it is tried again"
                    + " every %d s", key, reason, RETRY_INTERVAL.toSeconds());
        }
    }

    /**
     * While some config stays rejected, runs the retry listeners once the first of them is due;
     * one run at a time is waiting. The run clears it before the listeners reconcile, so the
     * reconcile it causes can schedule the next one.
     */
    synchronized void scheduleRetry() {
        if (rejected.isEmpty() || retryDue != null) {
            return;
        }
        long first = rejected.values().stream().mapToLong(Rejection::atNanos).min().orElseThrow();
        long delay = Math.max(0, first + RETRY_INTERVAL.toNanos() - System.nanoTime());
        retryDue = timer.schedule(this::retryNow, delay, TimeUnit.NANOSECONDS);
    }

    private void retryNow() {
        synchronized (this) {
            retryDue = null;
        }
        retryListeners.forEach(Runnable::run);
    }

    /** Runs r when a rejected config is due to be tried again: the caller reconciles. */
    void onRetryDue(Runnable r) {
        retryListeners.add(r);
    }
}
