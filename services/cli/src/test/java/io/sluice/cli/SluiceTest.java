package io.sluice.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceTest {
    @Test
    void everyCommandIsNamedAfterItsClass() {
        assertThat(Sluice.COMMANDS).allSatisfy(c ->
                assertThat(Sluice.nameOf(c)).as(c.getSimpleName()).isEqualTo(c.getAnnotation(Command.class).name()));
    }

    @Test
    void theArgumentsNameOneCommandOrNone() {
        assertThat(Sluice.commands("--node", "get", "get", "pods")).containsExactly(GetCommand.class);
        assertThat(Sluice.commands("status", "--wait")).containsExactly(StatusCommand.class);
        assertThat(Sluice.commands("--help")).isEqualTo(Sluice.COMMANDS);
        assertThat(Sluice.commands("nosuch")).isEqualTo(Sluice.COMMANDS);
    }
}
