package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sluice.api.node.PodSpec;
import io.sluice.api.node.PodView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code sluice pod run|list|delete}. */
@Command(name = "pod", description = "Run, list and delete pods.", subcommands = {PodCommand.Run.class, PodCommand.ListPods.class,
        PodCommand.Delete.class})
class PodCommand {
    @ParentCommand
    Sluice root;

    @Command(name = "run", description = "Run CMD in a new pod: sluice pod run NAME [-n NS] --labels k=v,... -- CMD...")
    static class Run implements Callable<Integer> {
        @ParentCommand
        PodCommand pod;
        @Parameters(index = "0", description = "Pod name.")
        String name;
        @Option(names = {"-n", "--namespace"}, defaultValue = "default")
        String namespace;
        @Option(names = {"-l", "--labels"}, split = ",", description = "Labels, k=v,k2=v2.")
        Map<String, String> labels = new LinkedHashMap<>();
        @Option(names = "--port", split = ",", description = "Named ports, name=PORT[/PROTO].")
        Map<String, String> ports = new LinkedHashMap<>();
        @Parameters(index = "1..*", description = "The command, after --.")
        List<String> command = List.of();

        @Override
        public Integer call() {
            NodeClient c = pod.root.client();
            var r = c.post("pods", "application/json", json(new PodSpec(name, namespace, labels, ports, command)));
            PodView v = c.read(r, new TypeReference<>() {});
            System.out.printf("pod/%s created (ip %s, identity %d, endpoint %d)%n", v.name(), v.ip(), v.identity(), v.endpointId());
            return 0;
        }
    }

    @Command(name = "list", description = "List pods.")
    static class ListPods implements Callable<Integer> {
        @ParentCommand
        PodCommand pod;

        @Override
        public Integer call() {
            GetCommand.printPods(pod.root.client().get("pods", new TypeReference<List<PodView>>() {}));
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a pod: its process, namespace and endpoint.")
    static class Delete implements Callable<Integer> {
        @ParentCommand
        PodCommand pod;
        @Parameters(index = "0")
        String name;
        @Option(names = {"-n", "--namespace"}, defaultValue = "default")
        String namespace;

        @Override
        public Integer call() {
            var r = pod.root.client().delete("pods/" + namespace + "/" + name);
            if (!r.ok()) {
                throw new CliException(NodeClient.errorOf(r));
            }
            System.out.println("pod/" + name + " deleted");
            return 0;
        }
    }

    static String json(Object o) {
        try {
            return NodeClient.JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
