package io.sluice.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CompletionCommandTest {
    @Test
    void script_completesEveryCommand_andTheirOptions() {
        String script = CompletionCommand.script();
        assertThat(script).contains("complete -F _complete_sluice").contains("bashcompinit");
        for (Class<?> c : Sluice.COMMANDS) {
            assertThat(script).contains(c.getAnnotation(picocli.CommandLine.Command.class).name());
        }
        assertThat(script).contains("--kubeconfig").contains("--to-pod").contains("--hubble-server");
    }
}
