package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

/** The lab's app on a test node: the deathstar Service with two replicas, tiefighter and xwing. */
final class StarWars {
    private StarWars() {}

    /** Deploys the app and waits until tiefighter lands (the deathstars answer). */
    static void deploy(TestNode node) throws InterruptedException {
        ok(node.sluice("apply", "-f", TestNode.HOME.resolve("demo/manifests/deathstar-service.yaml").toString()));
        String sluice = TestNode.HOME.resolve("bin/sluice").toString();
        for (String ds : new String[]{"deathstar-1", "deathstar-2"}) {
            ok(node.sluice("pod", "run", ds, "--labels", "org=empire,class=deathstar", "--port", "http=80",
                    "--", sluice, "demo", "deathstar", "--name", ds));
        }
        ok(node.sluice("pod", "run", "tiefighter", "--labels", "org=empire,class=tiefighter", "--", "sleep", "infinity"));
        ok(node.sluice("pod", "run", "xwing", "--labels", "org=alliance,class=xwing", "--", "sleep", "infinity"));
        for (int i = 0; i < 100 && !StarWarsE2E.landed(node.land("tiefighter")); i++) {
            Thread.sleep(300);
        }
    }

    private static void ok(TestNode.Result r) {
        assertThat(r.exit()).as(r.out()).isZero();
    }

    /**
     * The replies of the deathstar API's GET /v1/ in out, counted by the prefix of their hostname
     * (deathstar, darkstar), as the lab's exam counts them: {@code jq -r .hostname | cut -d- -f1}.
     */
    static java.util.Map<String, Integer> byHostnamePrefix(String out) {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"hostname\":\"([a-z]+)-").matcher(out);
        while (m.find()) {
            counts.merge(m.group(1), 1, Integer::sum);
        }
        return counts;
    }
}
