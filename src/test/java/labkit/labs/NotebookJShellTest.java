package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import labkit.cluster.Cluster;
import labkit.testing.FreePorts;
import labkit.testing.JShellSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook in a terminal, as a student uses it: a lab opened with ./jbang -i and run from
 * JShell, and the playground, driven through a pseudo-terminal.
 */
class NotebookJShellTest {
    /** The first build of a lab's jar can take minutes on a busy machine. */
    private static final Duration OPENING = Duration.ofMinutes(6);
    private static final Pattern STATUS = Pattern.compile("\\$\\d+ ==> (-?\\d+)");

    @TempDir Path out;

    @Test
    void aLabOpenedInJShellRunsToItsEndWithUserMain() throws Exception {
        int port = FreePorts.block(2);
        try (var session = JShellSession.start("-i", "lab01-basebackup.java")) {
            session.awaitPrompt(OPENING);
            session.type("Lab.class.getName()"); // the rooms are imported
            session.await(Pattern.compile("==> \"labkit.notebook.Lab\""), Duration.ofSeconds(60));
            session.awaitPrompt(Duration.ofSeconds(30));
            session.type("userMain(\"--yes\", \"--runtime\", \"local\", \"--port\", \"" + port + "\", \"--out\", \"" + out + "\")");
            session.await(Pattern.compile("Results: "), Duration.ofMinutes(5));
            assertEquals("0", session.await(STATUS, Duration.ofSeconds(60)).group(1), session.plainText());
            session.awaitPrompt(Duration.ofSeconds(30));
            session.type("/exit");
            assertEquals(0, session.awaitExit(Duration.ofSeconds(60)), session.plainText());
            assertFalse(session.plainText().contains("default package"), session.plainText());
        }
        Lab01LocalTest.assertModule1(new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("summary.json").toFile()));
        assertTrue(Files.exists(out.resolve("report.md")));
        assertNothingLeftOn(port);
    }

    @Test
    void thePlaygroundKillsAPrimaryQueriesTheStandbyAndLeavesNothingAtExit() throws Exception {
        int port = FreePorts.block(2);
        try (var session = JShellSession.start("playground.jsh", "--runtime", "local", "--port", String.valueOf(port),
                "--dataset", "generated", "--out", out.toString())) {
            session.await(Pattern.compile("help\\(\\) +this list"), OPENING); // the cheat sheet
            session.awaitPrompt(Duration.ofSeconds(60));
            session.type("kill(primary)");
            session.await(Pattern.compile("### Killed node \"postgres-primary\" \\(crash\\)"), Duration.ofSeconds(60));
            session.awaitPrompt(Duration.ofSeconds(60));
            session.type("sql(primary, \"SELECT 1\")");
            session.await(Pattern.compile("error: query on postgres-primary failed"), Duration.ofSeconds(60));
            session.awaitPrompt(Duration.ofSeconds(30));
            session.type("sql(standby, \"SELECT count(*) AS rentals FROM rental\")");
            long rentals = Long.parseLong(session.await(Pattern.compile("rentals +\\|\\s+-+\\s+(\\d+) +\\|"),
                    Duration.ofSeconds(60)).group(1));
            assertTrue(rentals > 1000, "the generated Pagila has thousands of rentals, the standby showed " + rentals);
            session.awaitPrompt(Duration.ofSeconds(30));
            session.type("/exit");
            assertEquals(0, session.awaitExit(Duration.ofSeconds(120)), session.plainText());
            assertTrue(session.plainText().contains("Tearing down the cluster"), session.plainText());
        }
        assertNothingLeftOn(port);
        assertTrue(Files.readString(out.resolve("report.md")).contains("SELECT count(*) AS rentals FROM rental"),
                "the session's report.md records what was run");
    }

    @Test
    void thePlaygroundWithABadOptionIsOneClearLineAndStartsNothing() throws Exception {
        try (var session = JShellSession.start("playground.jsh", "--no-such-option")) {
            assertEquals(2, session.awaitExit(OPENING), session.plainText());
            assertTrue(session.plainText().lines().anyMatch(l -> l.startsWith("error: ") && l.contains("--no-such-option")),
                    session.plainText());
            assertFalse(session.plainText().contains("jshell>"), session.plainText());
        }
    }

    /**
     * The session's ports are free and no data directory of a node on them is left: other helpers'
     * labs may run on this machine meanwhile, so the check looks only at what this session created.
     */
    private static void assertNothingLeftOn(int port) throws IOException {
        assertTrue(Cluster.portFree(port) && Cluster.portFree(port + 1), "ports " + port + "/" + (port + 1) + " still held");
        var ours = Pattern.compile("(?m)^port = (" + port + "|" + (port + 1) + ")$");
        try (var workDirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), "pglab-*")) {
            for (Path workDir : workDirs) {
                try (var nodes = Files.list(workDir)) {
                    for (Path conf : nodes.map(n -> n.resolve("data/postgresql.conf")).filter(Files::exists).toList()) {
                        assertFalse(ours.matcher(Files.readString(conf)).find(), "left behind: " + conf.getParent());
                    }
                } catch (NotDirectoryException e) {
                    // a log file of another test
                }
            }
        }
    }
}
