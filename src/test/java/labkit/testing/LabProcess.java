package labkit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a lab the way a student does, through the ./jbang wrapper, and collects what it left. */
public record LabProcess(int exitCode, String stdout, String stderr, Path out, double seconds) {

    public static final Path ROOT = Path.of("").toAbsolutePath();

    public static LabProcess run(String script, Path out, String... args) throws IOException, InterruptedException {
        return run(java.util.Map.of(), script, out, args);
    }

    /** Runs with extra environment variables (e.g. PGLAB_IMAGE for the Docker tests). */
    public static LabProcess run(java.util.Map<String, String> env, String script, Path out, String... args)
            throws IOException, InterruptedException {
        var cmd = new ArrayList<>(List.of(ROOT.resolve("jbang").toString(), script, "--out", out.toString()));
        cmd.addAll(List.of(args));
        Path stdout = Files.createTempFile("lab-out", ".txt");
        Path stderr = Files.createTempFile("lab-err", ".txt");
        long start = System.nanoTime();
        var builder = new ProcessBuilder(cmd).directory(ROOT.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in 10 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        var result = new LabProcess(p.exitValue(), Files.readString(stdout), Files.readString(stderr), out, seconds);
        Files.delete(stdout);
        Files.delete(stderr);
        return result;
    }

    public JsonNode summary() throws IOException {
        return new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    }

    /** Everything the run printed, for assertion messages. */
    public String transcript() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }

    /** The lines of stderr that are not JBang's own chatter ("[jbang] …"). */
    public List<String> errorLines() {
        return stderr.lines().filter(l -> !l.startsWith("[jbang]") && !l.isBlank()).toList();
    }

    /** PostgreSQL server processes started from a lab's work dir (/tmp/pglab-NNN/…) that are still alive. */
    public static List<String> leftoverServers() {
        return ProcessHandle.allProcesses()
                .map(ph -> ph.info().commandLine().orElse(""))
                .filter(c -> c.contains("postgres") && WORK_DIR.matcher(c).find())
                .toList();
    }

    private static final java.util.regex.Pattern WORK_DIR = java.util.regex.Pattern.compile("/pglab-\\d+/");
}
