package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import labkit.testing.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * k6/pagila_read_write_test.js where k6 cannot run: its syntax (node, as an ES module), its
 * statements (the built-in driver's), and its logic run under node with stand-in k6 modules
 * (src/test/resources/k6/k6-stubs.mjs) — what it emits per write, and how it classifies errors.
 */
class K6ScriptTest {
    private static final Path SCRIPT = Path.of("k6/pagila_read_write_test.js").toAbsolutePath();

    @TempDir
    Path dir;

    private record Result(int exit, String stdout, String stderr) {}

    private static Result node(List<String> args, Path stdin) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of("node"));
        command.addAll(args);
        Process p;
        try {
            var pb = new ProcessBuilder(command);
            if (stdin != null) {
                pb.redirectInput(stdin.toFile());
            }
            p = pb.start();
        } catch (IOException e) {
            Required.tool(false, "node is not installed (apt-get install nodejs), so the k6 script's syntax and logic cannot be checked here: " + e.getMessage());
            throw e;
        }
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node did not finish");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void theScriptIsAValidEsModule() throws Exception {
        var r = node(List.of("--input-type=module", "--check"), SCRIPT);
        assertEquals(0, r.exit(), r.stderr());
    }

    @Test
    void theSyntaxCheckWouldCatchAnError() throws Exception {
        Path broken = dir.resolve("broken.js");
        Files.writeString(broken, Files.readString(SCRIPT).replace("export function write(data) {", "export function write(data) {{"));
        var r = node(List.of("--input-type=module", "--check"), broken);
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("SyntaxError"), r.stderr());
    }

    private static String statement(String script, String name) {
        Matcher m = Pattern.compile("const " + name + " = `([^`]*)`").matcher(script);
        assertTrue(m.find(), name + " not found in the script");
        return m.group(1);
    }

    /** $1, $2, … in order become JDBC's positional ?. */
    private static String asJdbc(String sql) {
        var m = Pattern.compile("\\$(\\d+)").matcher(sql);
        var b = new StringBuilder();
        int expected = 1;
        while (m.find()) {
            assertEquals(expected++, Integer.parseInt(m.group(1)), "placeholders must appear in order: " + sql);
            m.appendReplacement(b, "?");
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String spaces(String sql) {
        return sql.strip().replaceAll("\\s+", " ");
    }

    @Test
    void theStatementsAreTheBuiltInDriversOnes() throws Exception {
        String script = Files.readString(SCRIPT);
        assertEquals(spaces(PagilaOps.WRITE), spaces(asJdbc(statement(script, "WRITE_SQL"))));
        assertEquals(spaces(PagilaOps.READ), spaces(asJdbc(statement(script, "READ_SQL"))));
    }

    private JsonNode run(String plan) throws Exception {
        Path planFile = dir.resolve("plan.json");
        Files.writeString(planFile, plan);
        Path harness = Path.of(getClass().getResource("/k6/run-script.mjs").toURI());
        var r = node(List.of(harness.toString(), SCRIPT.toString(), planFile.toString()), null);
        assertEquals(0, r.exit(), r.stderr());
        return new ObjectMapper().readTree(r.stdout());
    }

    private static List<JsonNode> samples(JsonNode emitted, String metric) {
        return StreamSupport.stream(emitted.spliterator(), false).filter(s -> s.path("metric").asText().equals(metric)).toList();
    }

    /** Each answer of the fake database in turn, and the outcome the ledger must get. */
    private static final String[][] WRITES = {
            {null, "ok"},
            {"read tcp 127.0.0.1:40000->127.0.0.1:15432: read: connection reset by peer", "unknown"},
            // the pool lost its connection above: nothing could have been sent
            {"dial tcp 127.0.0.1:15432: connect: connection refused", "failed"},
            {"pq: the database system is starting up (57P03)", "failed"},
            {null, "ok"},
            // with a working connection, the refusal may be database/sql's retry of a statement that was sent
            {"dial tcp 127.0.0.1:15432: connect: connection refused", "unknown"},
            {"pq: cannot execute INSERT in a read-only transaction (25006)", "failed"},
            {"pq: duplicate key value violates unique constraint \"pglab_write_pkey\" (23505)", "unknown"},
            {"driver: bad connection", "unknown"},
            {"pq: canceling statement due to user request (57014)", "failed"},
            {"context deadline exceeded", "unknown"},
    };

    @Test
    void eachWriteEmitsItsKeyWhenSentAndItsOutcomeWhenDone() throws Exception {
        var answers = new ArrayList<String>();
        for (String[] w : WRITES) {
            answers.add(w[0] == null ? "{}" : "{\"error\": " + new ObjectMapper().writeValueAsString(w[0]) + "}");
        }
        JsonNode r = run("""
                {"env": {"PGLAB_RUN_ID": "t1", "PGLAB_RATE": "2.5", "PGLAB_READ_RATE": "40", "PGLAB_USERS": "8"},
                 "writes": [%s], "reads": [{}, {"error": "driver: bad connection"}]}""".formatted(String.join(",", answers)));

        var sent = samples(r.path("writes"), "pglab_write_sent");
        var done = samples(r.path("writes"), "pglab_write_duration");
        var checks = samples(r.path("writes"), "checks");
        assertEquals(WRITES.length, sent.size());
        assertEquals(WRITES.length, done.size());
        for (int i = 0; i < WRITES.length; i++) {
            String key = "t1-" + i;
            assertEquals(key, sent.get(i).path("metadata").path("key").asText());
            assertEquals(key, done.get(i).path("metadata").path("key").asText());
            assertEquals(WRITES[i][1], done.get(i).path("tags").path("outcome").asText(), "write " + i + ": " + WRITES[i][0]);
            assertEquals(WRITES[i][0] == null ? "" : WRITES[i][0], done.get(i).path("metadata").path("error").asText(""));
            assertEquals(WRITES[i][1].equals("ok") ? 1 : 0, checks.get(i).path("value").asInt());
            // the key is metadata of the write's own samples only
            assertEquals(0, checks.get(i).path("metadata").size());
        }
        assertEquals(0, r.path("metadataLeft").size());

        var reads = samples(r.path("reads"), "pglab_read_duration");
        assertEquals(List.of("ok", "failed"), reads.stream().map(s -> s.path("tags").path("outcome").asText()).toList());
        assertEquals("t1-r1", reads.get(1).path("metadata").path("key").asText());
    }

    /**
     * lib/pq answers a commit whose wait for a synchronous standby the timeout cancelled with no
     * error (seen here: k6/README.md). A write that succeeds only after the timeout is unknown;
     * one just under it, and an error after it, keep their outcome. Reads are an answer either way.
     */
    @Test
    void aWriteThatSucceedsOnlyAfterTheTimeoutIsUnknown() throws Exception {
        JsonNode r = run("""
                {"env": {"PGLAB_RUN_ID": "t4", "PGLAB_TIMEOUT": "1.5s"},
                 "writes": [{"takesMs": 1498}, {"takesMs": 1500}, {"takesMs": 1500,
                             "error": "pq: canceling statement due to user request (57014)"}],
                 "reads": [{"takesMs": 2000}]}""");
        var done = samples(r.path("writes"), "pglab_write_duration");
        assertEquals(List.of("ok", "unknown", "failed"), done.stream().map(s -> s.path("tags").path("outcome").asText()).toList());
        assertEquals(List.of(1498, 1500, 1500), done.stream().map(s -> s.path("value").asInt()).toList());
        assertTrue(done.get(1).path("metadata").path("error").asText().startsWith("no error, but only after the 1.5s timeout"),
                done.get(1).toString());
        assertEquals(List.of(1, 0, 0), samples(r.path("writes"), "checks").stream().map(s -> s.path("value").asInt()).toList());
        assertEquals("ok", samples(r.path("reads"), "pglab_read_duration").get(0).path("tags").path("outcome").asText());
    }

    @Test
    void aTimeoutThatIsNoDurationIsOneClearError() throws Exception {
        Path planFile = dir.resolve("plan.json");
        Files.writeString(planFile, "{\"env\": {\"PGLAB_TIMEOUT\": \"5\"}}");
        Path harness = Path.of(getClass().getResource("/k6/run-script.mjs").toURI());
        var r = node(List.of(harness.toString(), SCRIPT.toString(), planFile.toString()), null);
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("PGLAB_TIMEOUT must be a duration such as 5s or 500ms, got \"5\""), r.stderr());
    }

    @Test
    void theStatementsGoToTheirServerWithBoundedTimeAndTheKeyAsParameter() throws Exception {
        JsonNode r = run("""
                {"env": {"PGLAB_RUN_ID": "t2", "PGLAB_PRIMARY_URL": "postgres://p", "PGLAB_STANDBY_URL": "postgres://s",
                         "PGLAB_TIMEOUT": "3s"},
                 "writes": [{}], "reads": [{}]}""");
        var calls = r.path("calls");
        assertEquals(3, calls.size());
        // setup() reads the id ranges from the primary
        assertEquals("query", calls.get(0).path("kind").asText());
        assertEquals("postgres://p", calls.get(0).path("url").asText());
        assertEquals(4696, r.path("data").path("inventory").asInt());

        JsonNode write = calls.get(1);
        assertEquals("exec", write.path("kind").asText());
        assertEquals("postgres://p", write.path("url").asText());
        assertEquals("3s", write.path("timeout").asText());
        assertEquals(1, write.path("options").path("max_open_conns").asInt());
        var args = write.path("args");
        assertEquals(5, args.size());
        assertTrue(args.get(0).asInt() >= 1 && args.get(0).asInt() <= 4696, args.toString());
        assertTrue(args.get(1).asInt() >= 1 && args.get(1).asInt() <= 599, args.toString());
        assertTrue(args.get(2).asInt() >= 1 && args.get(2).asInt() <= 2, args.toString());
        assertTrue(args.get(3).asText().matches("\\d\\.\\d\\d"), args.toString());
        assertEquals("t2-0", args.get(4).asText());

        JsonNode read = calls.get(2);
        assertEquals("query", read.path("kind").asText());
        assertEquals("postgres://s", read.path("url").asText());
        assertEquals(2, read.path("args").size());
        assertTrue(r.path("logged").get(0).asText().startsWith("pglab k6 ready: run t2"));
    }

    @Test
    void optionsAreTwoOpenModelScenariosWithThresholds() throws Exception {
        JsonNode o = run("""
                {"env": {"PGLAB_RATE": "2.5", "PGLAB_READ_RATE": "40", "PGLAB_USERS": "8", "PGLAB_DURATION": "90s"}}""")
                .path("options");
        JsonNode writes = o.path("scenarios").path("writes");
        assertEquals("constant-arrival-rate", writes.path("executor").asText());
        assertEquals("write", writes.path("exec").asText());
        // 2.5 per second, as k6's whole numbers per time unit
        assertEquals(2500, writes.path("rate").asInt());
        assertEquals("1000s", writes.path("timeUnit").asText());
        assertEquals("90s", writes.path("duration").asText());
        assertEquals(8, writes.path("maxVUs").asInt());
        JsonNode reads = o.path("scenarios").path("reads");
        assertEquals(40, reads.path("rate").asInt());
        assertEquals("1s", reads.path("timeUnit").asText());
        assertEquals(2, reads.path("preAllocatedVUs").asInt());
        assertEquals("p(90)<250", o.path("thresholds").path("pglab_write_duration{outcome:ok}").get(0).asText());
        assertEquals("rate>0.99", o.path("thresholds").path("checks").get(0).asText());

        JsonNode writesOnly = run("{\"env\": {\"PGLAB_READ_RATE\": \"0\"}}").path("options");
        assertEquals(List.of("writes"), iterable(writesOnly.path("scenarios").fieldNames()));
        assertTrue(writesOnly.path("thresholds").path("pglab_read_duration{outcome:ok}").isMissingNode());
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        var list = new ArrayList<String>();
        names.forEachRemaining(list::add);
        return list;
    }
}
