package io.sluice.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.sluice.api.node.ApplyResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Applies manifests: all documents or, when any is invalid, none (exit 1 with the reasons). */
@Command(name = "apply", description = "Apply manifests from a file or - (stdin). Nothing changes if any document is invalid.")
class ApplyCommand implements Callable<Integer> {
    @ParentCommand
    Sluice root;
    @Option(names = {"-f", "--filename"}, required = true, description = "File, or - for standard input.")
    String file;

    @Override
    public Integer call() {
        return send(root.client(), "apply", read(file));
    }

    static int send(NodeClient client, String verb, String text) {
        var r = client.post(verb, "text/plain", text);
        if (r.status() != 200 && r.status() != 422) {
            throw new CliException(NodeClient.errorOf(r));
        }
        ApplyResult result;
        try {
            result = NodeClient.JSON.readValue(r.body(), new TypeReference<ApplyResult>() {});
        } catch (IOException e) {
            throw new CliException("unexpected answer from the node: " + r.body());
        }
        result.changed().forEach(System.out::println);
        result.errors().forEach(e -> System.err.println("Error: " + e));
        return result.errors().isEmpty() ? 0 : 1;
    }

    static String read(String file) {
        try {
            return file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
