//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import labkit.cluster.Cluster;
import labkit.cluster.ClusterOptions;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.cluster.Narrator;
import labkit.cluster.Node;
import labkit.cluster.Sql;
import labkit.cluster.TeardownTimes;
import picocli.CommandLine;
import tech.tablesaw.api.Table;

/**
 * The lab notebook: numbered steps from the course agenda, narrative, the command a student could
 * type by hand, results; pauses between steps in a terminal unless --yes. It also owns the run's
 * clock (every time in a lab is seconds since {@link #start}), its summary.json, and its report.md:
 * everything the lab prints through it goes to the console and to that page ({@link ReportPage}).
 */
public final class Lab implements Narrator {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String name;
    private final LabOptions options;
    private final Path out;
    private final ObjectNode summary = JSON.createObjectNode();
    private final long startNanos = System.nanoTime();
    private final boolean interactive;
    private final Gate gate = new Gate(System.out);
    private final PrintStream console = new PrintStream(gate, true, System.out.charset());
    /** The thread that runs the lab: a Ctrl+C interrupts it. */
    private final Thread thread = Thread.currentThread();
    private final ReportPage page;
    private boolean firstStep = true;
    private String lastProgress = "";
    private volatile Supplier<String> whileWaiting;
    private volatile double lastPauseEnd = Double.NEGATIVE_INFINITY;

    /** The lab this JVM is running, so that the error line of a failed run also ends its report.md. */
    private static volatile Lab running;

    static {
        quietTablesawStartup();
    }

    /**
     * Tablesaw scans the class path when it starts, through a library that calls a deprecated
     * sun.misc.Unsafe method; JDK 24+ then prints a four-line warning on stderr in the middle of
     * the lab's output. It says nothing about the lab, so Tablesaw is started here with stderr muted.
     */
    private static void quietTablesawStartup() {
        PrintStream err = System.err;
        System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            Table.create("warm-up");
        } finally {
            System.setErr(err);
        }
    }

    private Lab(String name, String title, LabOptions options) {
        this.name = name;
        this.options = options;
        this.out = OutFolder.claim(options.out != null ? options.out : Env.get().root().resolve("out").resolve(name),
                options.out != null, console::println);
        this.interactive = !options.yes && Terminal.interactive();
        console.println(Terminal.title(title));
        console.println("=".repeat(title.length()));
        page = new ReportPage(out.resolve("report.md"), title, name + ", started "
                + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        running = this;
    }

    public static Lab start(String name, String title, LabOptions options) {
        return new Lab(name, title, options);
    }

    /** Runs a picocli lab command and exits with its status: see {@link #execute}. */
    public static void main(Callable<Integer> command, String... args) {
        int status = execute(command, args);
        Cluster.exiting();
        System.exit(status);
    }

    /**
     * Runs a picocli lab command and returns its exit status (0 done, 1 failed, 2 bad arguments):
     * anything that goes wrong is one clear line, on stderr and at the end of the lab's report.md.
     * JShell calls this (through {@link JShellLab}) where a command line calls {@link #main}.
     */
    public static int execute(Callable<Integer> command, String... args) {
        running = null;
        Cluster.takeLeftovers(); // a lab run before this one in the same JVM (JShell) has said what it left
        Cluster.beforeInterruptedTeardown(Lab::stopForTeardown);
        try {
            return run(command, args);
        } finally {
            // Ctrl+C: the lab's thread can get here (a tool the signal ended failed it, its teardown
            // left to the hook) before the hook stops the lab: the hook still finds it, to mark its summary
            if (!Cluster.interrupted()) {
                running = null;
            }
        }
    }

    private static int run(Callable<Integer> command, String... args) {
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            LabOptions.describeDefaults();
        }
        var cli = new CommandLine(command);
        cli.setParameterExceptionHandler((ex, a) -> {
            System.err.println("error: " + ex.getMessage() + " (see --help)");
            return 2;
        });
        cli.setExecutionStrategy(parsed -> {
            if (!parsed.isUsageHelpRequested() && !parsed.isVersionHelpRequested()) {
                check(parsed.commandSpec());
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.hasMatchedOption("--verbose");
            if (verbose) {
                ex.printStackTrace();
            }
            // Ctrl+C: on the command line the JVM shuts down and the cluster's teardown hook says so
            // itself (see Cluster); in JShell it interrupts the lab's thread, whose clusters were torn
            // down on the way here, and the lab says it, with what the check after them found left.
            boolean hookSaysIt = Cluster.interrupted();
            String line = hookSaysIt ? "interrupted: the lab stopped"
                    : Thread.interrupted() ? Cluster.interruptedLine(Cluster.takeLeftovers())
                    : ex instanceof LabException ? "error: " + ex.getMessage()
                    : "error: " + ex + (verbose ? "" : " (run again with --verbose for the trace)");
            if (!hookSaysIt) {
                System.err.println(line);
            }
            Lab lab = running;
            if (lab != null) {
                lab.page.stoppedBy(line);
            }
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * Ctrl+C on the command line, in the shutdown hook before the teardown: from now on the console
     * shows only what the hook's thread says (the teardown), the lab's thread is interrupted, and
     * the summary so far is written, marked "interrupted", next to whatever the run had written.
     * Returns whether a lab was running.
     */
    private static boolean stopForTeardown() {
        Lab lab = running;
        if (lab == null) {
            return false;
        }
        synchronized (lab.console) { // a line the lab's thread is printing ends first
            lab.gate.onlyFrom(Thread.currentThread());
        }
        lab.thread.interrupt();
        TeardownTimes.mark("console closed, lab thread interrupted");
        lab.writeInterruptedSummary();
        TeardownTimes.mark("summary written");
        lab.page.stoppedBy("interrupted: the lab stopped");
        return true;
    }

    /** The summary as far as the run got; the lab's thread may still be changing it, so a copy, retried. */
    private void writeInterruptedSummary() {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                ObjectNode copy = summary.deepCopy().put("interrupted", true);
                JSON.writeValue(out.resolve("summary.json").toFile(), copy);
                return;
            } catch (java.util.ConcurrentModificationException e) {
                Thread.onSpinWait();
            } catch (IOException e) {
                System.err.println("could not write " + out.resolve("summary.json") + ": " + e.getMessage());
                return;
            }
        }
    }

    /** Every check of the command and its mixins ({@link Checked}), before the lab starts anything. */
    private static void check(CommandLine.Model.CommandSpec spec) {
        var checked = new java.util.ArrayList<Object>(spec.mixins().values().stream().map(m -> m.userObject()).toList());
        checked.add(spec.userObject());
        for (Object options : checked) {
            if (options instanceof Checked c) {
                try {
                    c.check();
                } catch (Checked.BadOption e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
            }
        }
    }

    public String name() { return name; }
    public LabOptions options() { return options; }
    public Path out() { return out; }
    public ObjectNode summary() { return summary; }

    /** The cluster this lab's options ask for, its runtime recorded in summary.json ({@code "runtime"}). */
    public Cluster cluster() {
        var cluster = Cluster.create(clusterOptions(), this);
        summary.put("runtime", cluster.runtime());
        return cluster;
    }

    /** The options of this lab's cluster, for a lab that starts a second one ({@link ClusterOptions#part}). */
    public ClusterOptions clusterOptions() {
        return new ClusterOptions(name, options.runtime, options.port, options.keep, options.pgBin, options.pgVersion,
                out.resolve("logs"));
    }

    /** Seconds since the lab started: the x axis of every chart and CSV. */
    public double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    public long startNanos() {
        return startNanos;
    }

    /**
     * A numbered step of the module's agenda; in a terminal, waits for Enter before each step after
     * the first, showing meanwhile what {@link #whileWaiting} says the workload does.
     */
    public void step(String number, String title) {
        if (!firstStep && interactive) {
            endProgress();
            console.println();
            Pause.await(console, "[Enter] to go on to " + number, whileWaiting);
            lastPauseEnd = elapsed();
        }
        firstStep = false;
        console.println();
        console.println(Terminal.title(number + "  " + title));
        page.step(number + "  " + title);
    }

    /** What a pause's prompt shows of the running workload (null: nothing runs); the live line sets it. */
    public void whileWaiting(Supplier<String> status) {
        whileWaiting = status;
    }

    /** Whether the lab waited for Enter after {@code seconds} on its clock: the workload ran on meanwhile. */
    public boolean pausedSince(double seconds) {
        return lastPauseEnd > seconds;
    }

    /** The story of the step, in a few sentences. */
    public void say(String narrative) {
        narrative.strip().lines().forEach(l -> console.println("   " + l));
        page.narrative(narrative);
    }

    /** What a student could type to see the same thing by hand. */
    public void command(String text) {
        console.println("   $ " + text);
        page.command(text);
    }

    /** A state change of the cluster, printed the way PostgreSQL's TAP tests print them. */
    @Override
    public void event(String text) {
        eventAt(elapsed(), text);
    }

    /** An event that happened at {@code seconds} on the lab's clock (a kill: when the signal went, not when it returned). */
    public void eventAt(double seconds, String text) {
        endProgress();
        String line = String.format(Locale.ROOT, "### %s  (t=%.1fs)", text, seconds);
        console.println(Terminal.event(line));
        page.console(line);
    }

    @Override
    public void result(String text) {
        endProgress();
        text.strip().lines().forEach(l -> {
            console.println("   " + Terminal.result(l));
            page.console(l);
        });
    }

    /**
     * --keep: the nodes left up as they are when the lab exits (after the kept standbys stream
     * directly), in summary.json's "keptAtExit"; what the lab measured during its run stays as it was.
     */
    @Override
    public void kept(java.util.List<labkit.cluster.KeptNode> nodes) {
        ObjectNode kept = summary.putObject("keptAtExit");
        nodes.forEach(node -> kept.set(node.name(), JSON.valueToTree(node)));
    }

    /** A line of the live monitor: like a result, without emphasis (there is one a second). */
    public void live(String line) {
        endProgress();
        console.println("   " + line);
        page.console(line);
    }

    /** A result table, in columns when it fits the terminal, else one column per line (psql's \x auto). */
    public void table(Table table) {
        endProgress();
        ConsoleTable.lines(table, Terminal.width(), "   ").forEach(l -> console.println("   " + l));
        page.table(table);
    }

    /** Runs {@code sql} on {@code node}, showing the psql line a student could type, and prints the result. */
    public Table show(Node node, String sql) {
        command(node.psqlCommand() + " -c \"" + sql.replace("\"", "\\\"") + "\"");
        Table result = Sql.query(node, sql);
        table(result);
        return result;
    }

    /** A progress line that rewrites itself in a terminal; elsewhere only changes of ten percent are printed. */
    public void progress(String what, long done, long total) {
        int percent = total > 0 ? (int) Math.min(100, done * 100 / total) : 0;
        String line = String.format(Locale.ROOT, "   %s %d%%", what, percent);
        if (System.console() != null) {
            console.print("\r" + line);
            lastProgress = line;
        } else if (!line.equals(lastProgress) && percent % 10 == 0) {
            console.println(line);
            lastProgress = line;
        }
    }

    /** A progress line for work whose total is unknown. */
    @Override
    public void progress(String text) {
        if (System.console() != null) {
            console.print("\r   " + text + "\033[K");
            lastProgress = text;
        } else {
            console.println("   " + text);
        }
    }

    private void endProgress() {
        if (System.console() != null && !lastProgress.isEmpty()) {
            console.println();
        }
        lastProgress = "";
    }

    /**
     * Writes out/&lt;lab&gt;/summary.json and says where; the report.md ends with the plots the summary
     * lists under "plots" (file names in the out folder: the labs save them last, in their outcome).
     */
    public Path writeSummary() {
        Path file = out.resolve("summary.json");
        if (Cluster.interrupted()) {
            return file; // the shutdown hook wrote it, marked "interrupted"
        }
        try {
            JSON.writeValue(file.toFile(), summary);
        } catch (IOException e) {
            throw new LabException("cannot write " + file + ": " + e.getMessage());
        }
        summary.path("plots").forEach(plot -> page.image(plot.asText()));
        page.narrative("Results: [summary.json](summary.json).");
        endProgress();
        console.println();
        console.println("Results: " + file);
        console.println("Report:  " + page.file());
        return file;
    }
}
