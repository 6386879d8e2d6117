package io.sluice.xds;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What Envoy did with each response, per resource type. xDS rule: a request that echoes a
 * response's nonce acknowledges that response's version, or rejects it when it carries
 * error_detail (and Envoy keeps its previous configuration). Thread-safe.
 */
public final class AckTracker {
    /** Per type: the version Envoy runs, the version last sent, and the last rejection (empty when none). */
    public record TypeState(String typeUrl, String acked, String sent, String nackedVersion, String nackMessage) {}

    private final Map<String, String> versionByNonce = new ConcurrentHashMap<>();
    /** Answers that arrived before their response was recorded (the server records after sending). */
    private final Map<String, String> early = new HashMap<>();
    private final Map<String, TypeState> types = new TreeMap<>();

    /** Records a response; returns true when an answer to it had already arrived (and is now applied). */
    public synchronized boolean sent(String typeUrl, String nonce, String version) {
        versionByNonce.put(nonce, version);
        TypeState s = state(typeUrl);
        types.put(typeUrl, new TypeState(typeUrl, s.acked(), version, s.nackedVersion(), s.nackMessage()));
        String answer = early.remove(typeUrl + "/" + nonce);
        return answer != null && answered(typeUrl, nonce, answer);
    }

    /**
     * Records Envoy's answer to the response with this nonce; returns true when it changed what
     * is known (so the agent should hear of it). A request without a nonce is a first request.
     */
    public synchronized boolean answered(String typeUrl, String nonce, String errorMessage) {
        if (nonce.isEmpty()) {
            return false;
        }
        String version = versionByNonce.remove(nonce);
        if (version == null) {
            early.put(typeUrl + "/" + nonce, errorMessage);
            return false;
        }
        TypeState s = state(typeUrl);
        TypeState next = errorMessage.isEmpty()
                ? new TypeState(typeUrl, version, s.sent(), "", "")
                : new TypeState(typeUrl, s.acked(), s.sent(), version, errorMessage);
        types.put(typeUrl, next);
        return !next.equals(s);
    }

    public synchronized List<TypeState> states() {
        return List.copyOf(types.values());
    }

    /** Forgets the answers of a stream that closed (Envoy restarted: it will ask afresh). */
    public synchronized void reset() {
        versionByNonce.clear();
        early.clear();
        Map<String, TypeState> cleared = new HashMap<>();
        types.forEach((t, s) -> cleared.put(t, new TypeState(t, "", s.sent(), s.nackedVersion(), s.nackMessage())));
        types.putAll(cleared);
    }

    private TypeState state(String typeUrl) {
        return types.getOrDefault(typeUrl, new TypeState(typeUrl, "", "", "", ""));
    }
}
