package io.sluice.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Replicas of the operator take turns: only the holder of the Lease {@code sluice-operator}
 * reconciles and allocates identities; another takes over within the lease's 15 s when it goes away. A replica holds it
 * under its pod's name ({@code POD_NAME}, from the chart), or else its host name and process id, so
 * {@code kubectl get lease} says which.
 */
public class LeaderElection {
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    @Produces
    @Singleton
    LeaderElectionConfiguration configuration(
            @ConfigProperty(name = "sluice.operator.lease-namespace", defaultValue = "kube-system") String namespace,
            IdentityAllocator identities) {
        String identity = identity();
        // A replica that lost the lease exits, to start again as a follower. Not from the thread
        // that reports the loss: that is the shutdown's own when the replica is being stopped, and
        // exiting from within a shutdown would wait for itself forever.
        LeaderCallbacks callbacks = new LeaderCallbacks(() -> {
            LOG.infof("%s leads", identity);
            identities.start();
        }, () -> {
            LOG.infof("%s no longer leads; exiting", identity);
            Thread.ofPlatform().daemon().name("lost-lease").start(() -> System.exit(1));
        }, leader -> LOG.infof("the leader is %s", leader));
        return new LeaderElectionConfiguration("sluice-operator", namespace, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2), identity, callbacks, false);
    }

    private static String identity() {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "sluice-operator";
        }
        return host + "_" + ProcessHandle.current().pid();
    }
}
