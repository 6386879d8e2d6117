package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sluice.api.node.EventView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/** Prints datapath events (drops, traces, policy verdicts), like {@code cilium monitor}. */
@Command(name = "monitor", description = "Show datapath events: drops, traces and policy verdicts.")
class MonitorCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    @ParentCommand
    Sluice root;
    @Option(names = {"-t", "--type"}, defaultValue = "", description = "drop, trace, policy-verdict or l7")
    String type;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new events.")
    boolean follow;

    @Override
    public Integer call() throws Exception {
        NodeClient c = root.client();
        long after = 0;
        do {
            List<EventView> events = c.get("events?after=" + after + (type.isEmpty() ? "" : "&type=" + type),
                    new TypeReference<List<EventView>>() {});
            for (EventView e : events) {
                System.out.printf("%s: [ep %d] %s (ID:%d -> ID:%d)%n", TIME.format(Instant.ofEpochSecond(0, e.timeNanos())),
                        e.endpointId(), e.summary(), e.srcIdentity(), e.dstIdentity());
                after = Math.max(after, e.seq());
            }
            if (follow) {
                Thread.sleep(300);
            }
        } while (follow);
        return 0;
    }
}
