package io.sluice.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent's recorded command is run by root ({@code sluice down} of an agent that is gone):
 * one that someone other than root could have written is refused, naming the file and why.
 */
class AgentLaunchTest {
    @TempDir
    Path dir;
    Path socket, file;

    @BeforeEach
    void recordOne() throws Exception {
        assumeTrue(RootOnly.self() == 0, "ownership checks need root to give files away");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        socket = dir.resolve("api.sock");
        file = dir.resolve(AgentLaunch.FILE);
        Files.writeString(file, String.join("\0", List.of("setsid", "java", "-Dsluice.state-dir=/var/lib/x y", "-jar", "agent.jar")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aCommandOnlyRootCouldWrite_isRead() throws Exception {
        assertThat(AgentLaunch.recorded(socket)).hasValueSatisfying(l -> {
            assertThat(l.command()).containsExactly("setsid", "java", "-Dsluice.state-dir=/var/lib/x y", "-jar", "agent.jar");
            assertThat(l.stateDir()).isEqualTo(Path.of("/var/lib/x y"));
        });
        Files.delete(file);
        assertThat(AgentLaunch.recorded(socket)).isEmpty();
    }

    @Test
    void aCommandOthersCouldHaveWritten_isRefused() throws Exception {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> AgentLaunch.recorded(socket)).isInstanceOf(CliException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("rw-rw-rw-");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> AgentLaunch.recorded(socket)).isInstanceOf(CliException.class)
                .hasMessageContaining(dir + " (owner uid 0, rwxrwxrwx)");
    }

    @Test
    void aCommandAnotherUserOwns_isRefused() throws Exception {
        Files.setAttribute(file, "unix:uid", 65534);
        assertThatThrownBy(() -> AgentLaunch.recorded(socket)).isInstanceOf(CliException.class)
                .hasMessageContaining("owner uid 65534").hasMessageContaining("someone other than root");
    }
}
