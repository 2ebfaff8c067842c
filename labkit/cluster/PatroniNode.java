//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * A PostgreSQL server managed by Patroni: one member of a {@link Patroni} cluster, on this
 * machine or in a container. As a {@link Node} it is the server (SQL, waits and samplers work on
 * it as on any node); its verbs go through Patroni, which owns the server's life: {@link #start}
 * starts Patroni (which starts, bootstraps or rewinds PostgreSQL), {@link #stop} stops Patroni
 * (which stops PostgreSQL), {@link #kill} crashes the whole node, {@link #killPatroni} only the
 * manager. The {@code …Command} methods say what a student types for the same.
 */
public abstract class PatroniNode implements Node {
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final int port;
    private final int connectPort;
    private final PatroniRest rest;

    /**
     * @param port        where the kit reaches the server on 127.0.0.1
     * @param connectPort where the other members reach it: its replication link
     * @param restPort    where the kit reaches Patroni's REST API on 127.0.0.1
     */
    PatroniNode(String name, int port, int connectPort, int restPort) {
        this.name = name;
        this.port = port;
        this.connectPort = connectPort;
        this.rest = new PatroniRest("127.0.0.1", restPort);
    }

    @Override public String name() { return name; }
    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return port; }

    public int connectPort() { return connectPort; }

    public PatroniRest rest() { return rest; }

    /** Starts Patroni (the node too, if it is down); returns once its server accepts connections. */
    @Override
    public abstract void start();

    /** Only Patroni crashes; PostgreSQL goes on as it was (no watchdog here would reset the machine). */
    public abstract void killPatroni();

    public abstract boolean patroniAlive();

    /** Patroni's own log: its decisions ("acquired session lock as a leader", "running pg_rewind from …"). */
    public abstract List<String> patroniLog();

    /** How far Patroni's log goes now (its line count), to tell later what it wrote since. */
    public int patroniLogMark() {
        return patroniLog().size();
    }

    /** Patroni's log from a {@link #patroniLogMark} on. */
    public List<String> patroniLogSince(int mark) {
        List<String> lines = patroniLog();
        return lines.subList(Math.min(mark, lines.size()), lines.size());
    }

    public abstract String startCommand();

    public abstract String stopCommand();

    public abstract String killCommand();

    public abstract String killPatroniCommand();

    /** {@code patronictl list} on this member, as a student runs it, and what it prints. */
    public abstract String listCommand();

    public abstract String list();

    /** The other members reach this one directly from now on, not through its link (before the links end). */
    public abstract void connectDirectly();

    /**
     * Waits until Patroni reports its server running and the server answers SQL. Whether Patroni
     * still lives is asked only while its REST API does not answer, once a second (in a container
     * that question costs a docker exec).
     */
    void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextAliveCheck = 0;
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            try {
                last = rest.patroni().path("state").asText();
                if (last.equals("running") && answersSql()) {
                    return;
                }
            } catch (LabException e) {
                last = e.getMessage();
                if (System.nanoTime() > nextAliveCheck) {
                    if (!patroniAlive()) {
                        throw new LabException("Patroni of " + name + " exited: " + lastPatroniLine());
                    }
                    nextAliveCheck = System.nanoTime() + 1_000_000_000L;
                }
            }
            Wait.sleep(Duration.ofMillis(100));
        }
        throw new LabException("Patroni of " + name + " did not run its server within " + timeout.toSeconds()
                + " s (last state: " + last + "; " + lastPatroniLine() + ")");
    }

    private boolean answersSql() {
        try (var c = connect("postgres")) {
            return c.isValid(2);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    String lastPatroniLine() {
        List<String> lines = patroniLog();
        return lines.isEmpty() ? "no Patroni log line" : lines.get(lines.size() - 1);
    }

    /**
     * Patroni decides who is primary: this asks it to fail over to this member (POST /failover
     * with this member as candidate) and waits until the server is out of recovery.
     */
    @Override
    public void promote() {
        rest.post("/failover", Etcd.JSON.createObjectNode().put("candidate", name));
        Wait.until(name + " is out of recovery", this, "SELECT pg_is_in_recovery()", "f", Duration.ofSeconds(60));
    }

    /** Patroni rewrites postgresql.conf at every start: settings go to its configuration instead. */
    @Override
    public void appendConf(String lines) {
        throw new LabException(name + " is managed by Patroni, which owns postgresql.conf: change settings with "
                + "Patroni.configure (PATCH /config, what patronictl edit-config does)");
    }

    /** Patroni's view of this member: role (master in Patroni 3, primary in 4; replica), state, timeline. */
    public JsonNode status() {
        return rest.patroni();
    }
}
