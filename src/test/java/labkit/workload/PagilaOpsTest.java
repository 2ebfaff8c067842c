package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The benchmark's pgbench script must run the very statement the built-in workload runs. */
class PagilaOpsTest {
    @Test
    void pgbenchScriptRunsTheWorkloadsWriteStatement() throws Exception {
        String script = Files.readString(Path.of("bench/write-transaction.sql"));
        String statement = script.lines().filter(l -> !l.startsWith("--") && !l.startsWith("\\"))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals(normalize(PagilaOps.WRITE), normalize(statement));
    }

    /** Parameters become "$", pgbench's key expression and amount arithmetic become "$", white space is folded. */
    private static String normalize(String sql) {
        return sql.replace("'pgbench-' || :client_id || '-' || txid_current()", "?")
                .replace(":cents / 100.0", "?")
                .replaceAll(":[a-z_]+", "?")
                .replaceAll("\\s+", " ").replace(";", "").strip();
    }
}
