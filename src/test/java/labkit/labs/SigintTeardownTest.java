package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;

/**
 * Ctrl+C at a random moment (bench/sigint-teardown, a seeded moment in each of lab02 and lab04):
 * the lab exits non-zero within 2 s, prints nothing after the teardown begins, ends with the
 * interrupted line and leaves no process, port or work dir. The bench runs 20 moments per lab by
 * hand; here one each, so that CI stays in its time budget.
 */
class SigintTeardownTest {
    private static final Pattern TOTAL = Pattern.compile("total: passed (\\d+)/(\\d+) moments \\((\\d+) interrupted a running lab");

    @Test
    void ctrlCAtASeededMomentOfLab02AndLab04() throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort() < 65000 ? s.getLocalPort() : 40000;
        }
        var bench = new ProcessBuilder("bench/sigint-teardown", "1", "7", String.valueOf(port))
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true).start();
        String output = new String(bench.getInputStream().readAllBytes());
        assertTrue(bench.waitFor(10, TimeUnit.MINUTES), output);
        System.out.println(output);
        var total = TOTAL.matcher(output);
        assertTrue(total.find(), output);
        assertEquals(2, Integer.parseInt(total.group(2)), output);
        assertEquals(2, Integer.parseInt(total.group(3)), "both moments were to find the lab running: " + output);
        assertEquals(total.group(2), total.group(1), output);
        assertEquals(0, bench.exitValue(), output);
    }
}
