package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sluice.api.node.PodView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Runs a command inside a pod's network namespace; exits with the command's exit code. */
@Command(name = "exec", description = "Run a command in a pod: sluice exec POD [-n NS] -- CMD...")
class ExecCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Parameters(index = "0", description = "Pod name.")
    String pod;
    @Option(names = {"-n", "--namespace"}, defaultValue = "default")
    String namespace;
    @Parameters(index = "1..*", description = "The command, after --.")
    List<String> command = List.of();

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty()) {
            throw new CliException("a command is required: sluice exec " + pod + " -- CMD...");
        }
        PodView v = root.client().get("pods", new TypeReference<List<PodView>>() {}).stream()
                .filter(p -> p.name().equals(pod) && p.namespace().equals(namespace)).findFirst()
                .orElseThrow(() -> new CliException("pod " + namespace + "/" + pod + " not found"));
        List<String> cmd = new ArrayList<>();
        // the pod's host name: its first process's UTS namespace, while it runs
        if (v.pid() > 0 && v.state().equals("Running") && Files.exists(Path.of("/proc", Long.toString(v.pid()), "ns", "uts"))) {
            cmd.addAll(List.of("nsenter", "--uts=/proc/" + v.pid() + "/ns/uts", "--"));
        }
        cmd.addAll(List.of("ip", "netns", "exec", v.netns()));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
