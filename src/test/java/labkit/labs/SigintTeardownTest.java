package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import labkit.cluster.DockerTestImage;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;

/**
 * Ctrl+C at a random moment (bench/sigint-teardown): the lab exits non-zero within 2 s, prints
 * nothing after the teardown begins, ends with the interrupted line and leaves no process, port or
 * work dir (on Docker: no container, volume or network of its project). The bench runs 20 moments
 * per lab by hand; here one seeded moment each (seed 3: lab02 6.6 s after its title, in its
 * workload; lab04 7.2 s, while 4.1 turns sync mode on), so that CI stays in its time budget.
 */
class SigintTeardownTest {
    private static final Pattern TOTAL = Pattern.compile("total: passed (\\d+)/(\\d+) moments \\((\\d+) interrupted a running lab");

    @Test
    void ctrlCAtASeededMomentOfLab02AndLab04() throws Exception {
        assertEveryMomentPassed(bench(Map.of(), "local", "lab02 lab04"), 2);
    }

    @Test
    void ctrlCAtASeededMomentOfLab02OnDocker() throws Exception {
        DockerTestImage image = DockerTestImage.CURRENT;
        image.assumeReady();
        assertEveryMomentPassed(bench(Map.of("PGLAB_IMAGE", image.repository(), "PG_MAJOR", image.major()), "docker", "lab02"), 1);
    }

    private static String bench(Map<String, String> env, String runtime, String labs) throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort() < 65000 ? s.getLocalPort() : 40000;
        }
        var builder = new ProcessBuilder(List.of("bench/sigint-teardown", "1", "3", String.valueOf(port), runtime, labs))
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        var bench = builder.start();
        String output = new String(bench.getInputStream().readAllBytes());
        assertTrue(bench.waitFor(10, TimeUnit.MINUTES), output);
        System.out.println(output);
        assertEquals(0, bench.exitValue(), output);
        return output;
    }

    private static void assertEveryMomentPassed(String output, int moments) {
        var total = TOTAL.matcher(output);
        assertTrue(total.find(), output);
        assertEquals(moments, Integer.parseInt(total.group(2)), output);
        assertEquals(moments, Integer.parseInt(total.group(3)), "every moment was to find the lab running: " + output);
        assertEquals(total.group(2), total.group(1), output);
    }
}
