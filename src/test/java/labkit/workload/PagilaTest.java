package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.testing.FreePorts;
import labkit.testing.Required;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads Pagila into a real PostgreSQL this test starts itself (Debian's server binaries, run as
 * the postgres OS user when the test runs as root), one fresh database per case.
 */
class PagilaTest {
    private static Server server;
    /** Generated at scale 1 once, read (never written) by several cases. */
    private static Pagila.Dataset scale1;
    private static final List<String> scale1Progress = new ArrayList<>();

    @TempDir
    Path temp;

    @BeforeAll
    static void startServerAndLoadScale1() throws Exception {
        server = Server.start();
        try (var c = server.newDatabase("gen1")) {
            scale1 = Pagila.load(c, "generated", 1, scale1Progress::add);
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void scale1HasPagilasCardinalities() throws SQLException {
        assertEquals("generated", scale1.source());
        assertEquals(1, scale1.scale());
        System.out.printf("generated scale 1 loaded in %.2f s%n", scale1.seconds());
        try (var c = server.connect("gen1")) {
            // Fixed catalogue, as in Pagila.
            var exact = Map.of("film", 1000L, "customer", 599L, "actor", 200L, "category", 16L, "language", 6L,
                    "country", 109L, "city", 600L, "address", 603L, "store", 2L, "staff", 2L);
            for (var table : exact.entrySet()) {
                assertEquals(table.getValue(), count(c, table.getKey()), table.getKey());
            }
            assertEquals(1000, count(c, "film_category"));
            // Drawn at random, near Pagila's 5,462 / 4,581 / 16,044 / 16,049.
            assertBetween(4500, 6500, count(c, "film_actor"), "film_actor");
            assertBetween(4000, 5200, count(c, "inventory"), "inventory");
            assertBetween(14000, 18000, count(c, "rental"), "rental");
            assertEquals(count(c, "rental"), count(c, "payment"), "one payment per rental");
            assertBetween(50, 400, scalar(c, "SELECT count(*) FROM rental WHERE return_date IS NULL"), "open rentals");
        }
        assertTrue(scale1Progress.contains("film 1,000"), scale1Progress.toString());
        assertTrue(scale1Progress.stream().anyMatch(l -> l.matches("rental \\d{2},\\d{3}")), scale1Progress.toString());
    }

    @Test
    void rentalsAndPaymentsAreConsistent() throws SQLException {
        try (var c = server.connect("gen1")) {
            assertEquals(0, scalar(c, "SELECT count(*) FROM rental WHERE return_date <= rental_date"));
            assertEquals(0, scalar(c, "SELECT count(*) FROM rental WHERE rental_date < '2022-01-01 00:00+00'"
                    + " OR coalesce(return_date, rental_date) >= '2023-01-01 00:00+00'"));
            // Rentals spread over the year: every month has some.
            assertEquals(12, scalar(c, "SELECT count(DISTINCT extract(month FROM rental_date AT TIME ZONE 'UTC'))"
                    + " FROM rental"));
            // The clerk works in the store that owns the copy.
            assertEquals(0, scalar(c, "SELECT count(*) FROM rental r JOIN inventory i USING (inventory_id)"
                    + " JOIN staff s ON s.staff_id = r.staff_id WHERE s.store_id <> i.store_id"));
            // A copy is never out twice at the same time.
            assertEquals(0, scalar(c, "SELECT count(*) FROM (SELECT rental_date, lag(rental_id) OVER w AS previous,"
                    + " lag(return_date) OVER w AS previous_return FROM rental"
                    + " WINDOW w AS (PARTITION BY inventory_id ORDER BY rental_date)) r"
                    + " WHERE previous IS NOT NULL AND (previous_return IS NULL OR rental_date < previous_return)"));
            // A payment belongs to its rental's customer and clerk, and is at least the rental rate.
            assertEquals(0, scalar(c, "SELECT count(*) FROM payment p JOIN rental r USING (rental_id)"
                    + " WHERE p.customer_id <> r.customer_id OR p.staff_id <> r.staff_id"));
            assertEquals(0, scalar(c, "SELECT count(*) FROM payment p JOIN rental r USING (rental_id)"
                    + " JOIN inventory i USING (inventory_id) JOIN film f USING (film_id)"
                    + " WHERE p.amount < f.rental_rate"));
            // Every foreign key of schema.sql is in place (generate.sql drops the facts' keys while loading).
            assertEquals(21, scalar(c, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                    + " AND connamespace = 'public'::regnamespace"));
            assertEquals(8, scalar(c, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                    + " AND conrelid IN ('inventory'::regclass, 'rental'::regclass, 'payment'::regclass)"));
            assertEquals(0, scalar(c, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated"));
            assertEquals(0, scalar(c, "SELECT count(*) FROM film WHERE fulltext IS NULL OR fulltext = ''"));
        }
    }

    @Test
    void scaleMultipliesTheFactsOnly() throws SQLException {
        try (var c = server.newDatabase("gen3"); var one = server.connect("gen1")) {
            var dataset = Pagila.load(c, "generated", 3, line -> {});
            assertEquals(3, dataset.scale());
            // generate.sql leaves nothing behind in the session that loaded it.
            assertEquals(0, scalar(c, "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"));
            assertEquals("", scalarText(c, "SELECT current_setting('pglab.scale', true)"));
            double rentals = count(c, "rental") / (double) count(one, "rental");
            double inventory = count(c, "inventory") / (double) count(one, "inventory");
            assertTrue(rentals > 2.8 && rentals < 3.2, "rentals x" + rentals);
            assertEquals(3.0, inventory, 1e-9);
            assertEquals(count(c, "rental"), count(c, "payment"));
            for (String fixed : List.of("film", "customer", "actor", "store", "staff")) {
                assertEquals(count(one, fixed), count(c, fixed), fixed);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameRowsFromJdbcAndFromPsql() throws Exception {
        try (var again = server.newDatabase("gen1again")) {
            Pagila.load(again, "generated", 1, line -> {});
        }
        String first = fingerprint("gen1");
        assertTrue(first.matches("[0-9a-f]{480}"), "one md5 per table, none of an empty table: " + first);
        assertEquals(first, fingerprint("gen1again"));

        // The containers load the same files with psql, as scripts/init-db.sh does: same rows.
        Path psql = server.bin.resolve("psql");
        Required.tool(Files.isExecutable(psql), "no psql next to the server binaries (apt-get install postgresql)");
        server.createDatabase("genpsql");
        for (String file : List.of("schema.sql", "generate.sql")) {
            Server.exec(List.of(psql.toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                    "-p", String.valueOf(server.port), "-U", "postgres", "-d", "genpsql",
                    "-f", Env.get().root().resolve("pagila").resolve(file).toString()));
        }
        assertEquals(first, fingerprint("genpsql"));
    }

    @Test
    void officialDumpIsDownloadedCachedAndLoadedThroughJdbc() throws Exception {
        Path served = Files.createDirectories(temp.resolve("served"));
        Files.writeString(served.resolve(Pagila.OFFICIAL_SCHEMA), HandMadeDump.SCHEMA);
        Files.writeString(served.resolve(Pagila.OFFICIAL_DATA), HandMadeDump.DATA);
        Path cache = temp.resolve("cache");
        var http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            Path file = served.resolve(Path.of(exchange.getRequestURI().getPath()).getFileName().toString());
            byte[] body = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            exchange.sendResponseHeaders(body.length > 0 ? 200 : 404, body.length > 0 ? body.length : -1);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        var progress = new ArrayList<String>();
        try (var c = server.newDatabase("official1")) {
            URI base = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/pagila/");
            var dataset = Pagila.load(c, "official", 1, progress::add, sqlDir(), cache, base);
            assertEquals("official", dataset.source());
            HandMadeDump.assertLoaded(c);
            // pg_dump's SET lines changed the session; it is back to its defaults.
            assertEquals("\"$user\", public", scalarText(c, "SHOW search_path"));
            assertNewRentalAndPayment(c);
        } finally {
            http.stop(0);
        }
        assertTrue(Files.isRegularFile(cache.resolve(Pagila.OFFICIAL_SCHEMA)));
        assertTrue(Files.isRegularFile(cache.resolve(Pagila.OFFICIAL_DATA)));
        assertTrue(progress.contains("skipped psql commands \\restrict, \\unrestrict (only psql knows them)"),
                progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("3 statements of the official Pagila failed")
                && l.contains("pglab_no_such_extension")), progress.toString());
        assertTrue(progress.contains("official data 100%"), progress.toString());

        // With the files cached, no download is needed any more: the web server is gone.
        try (var c = server.newDatabase("official2")) {
            var dataset = Pagila.load(c, "auto", 1, line -> {}, sqlDir(), cache, unreachable());
            assertEquals("official", dataset.source());
            HandMadeDump.assertLoaded(c);
        }
    }

    @Test
    void unreachableOfficialFailsInOneLineOrFallsBackToGenerated() throws Exception {
        Path cache = temp.resolve("empty-cache");
        try (var c = server.newDatabase("offline1")) {
            long start = System.nanoTime();
            var e = assertThrows(LabException.class,
                    () -> Pagila.load(c, "official", 1, line -> {}, sqlDir(), cache, unreachable()));
            assertTrue((System.nanoTime() - start) / 1e9 < 10, "the download fails fast");
            assertTrue(e.getMessage().startsWith("cannot download the official Pagila ("), e.getMessage());
            String advice = "use --dataset generated, or put pagila-schema.sql and pagila-data.sql in " + cache;
            assertTrue(e.getMessage().endsWith(advice), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertEquals(0, scalar(c, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"));
        }
        var progress = new ArrayList<String>();
        try (var c = server.newDatabase("offline2")) {
            var dataset = Pagila.load(c, "auto", 1, progress::add, sqlDir(), cache, unreachable());
            assertEquals("generated", dataset.source());
            assertEquals(1000, count(c, "film"));
            // The sequences are past the generated ids: the lab's workload can write.
            assertNewRentalAndPayment(c);
        }
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("official Pagila not available (http://127.0.0.1:")
                && l.endsWith("): loading the generated dataset")), progress.toString());
        try (var stream = Files.list(cache)) {
            assertEquals(List.of(), stream.toList(), "no partial download left in the cache");
        }
    }

    @Test
    void anOfficialDumpThatDoesNotLoadFallsBackToACleanGeneratedDatabase() throws Exception {
        Path cache = Files.createDirectories(temp.resolve("broken"));
        // A dump whose customer table cannot be created (an unknown type), like the official
        // Pagila's PostgreSQL 18 columns on an older server.
        Files.writeString(cache.resolve(Pagila.OFFICIAL_SCHEMA),
                HandMadeDump.SCHEMA.replace("first_name text NOT NULL", "first_name public.no_such_type NOT NULL"));
        Files.writeString(cache.resolve(Pagila.OFFICIAL_DATA), HandMadeDump.DATA);
        try (var c = server.newDatabase("broken1")) {
            var e = assertThrows(LabException.class,
                    () -> Pagila.load(c, "official", 1, line -> {}, sqlDir(), cache, unreachable()));
            assertTrue(e.getMessage().startsWith("the official Pagila did not load: table rental is missing;"
                    + " first error at line 16 `CREATE EXTENSION IF NOT EXISTS pglab_no_such_extension WITH …`:"
                    + " ERROR: extension \"pglab_no_such_extension\" is not available"), e.getMessage());
            assertTrue(e.getMessage().endsWith(": use --dataset generated"), e.getMessage());
        }
        var progress = new ArrayList<String>();
        try (var c = server.newDatabase("broken2")) {
            var dataset = Pagila.load(c, "auto", 1, progress::add, sqlDir(), cache, unreachable());
            assertEquals("generated", dataset.source());
            assertTrue(progress.contains("emptying the database and loading the generated dataset instead"),
                    progress.toString());
            assertEquals(0, scalar(c, "SELECT count(*) FROM pg_proc WHERE proname = 'film_label'"),
                    "nothing of the broken dump is left");
            assertEquals(1000, count(c, "film"));
            assertNewRentalAndPayment(c);
        }
    }

    @Test
    void aTruncatedDumpIsReportedAsSuch() throws Exception {
        Path cache = Files.createDirectories(temp.resolve("truncated"));
        Files.writeString(cache.resolve(Pagila.OFFICIAL_SCHEMA), HandMadeDump.SCHEMA);
        String data = HandMadeDump.DATA;
        Files.writeString(cache.resolve(Pagila.OFFICIAL_DATA), data.substring(0, data.indexOf("2\tPATRICIA")));
        try (var c = server.newDatabase("truncated")) {
            var e = assertThrows(LabException.class,
                    () -> Pagila.load(c, "official", 1, line -> {}, sqlDir(), cache, unreachable()));
            assertTrue(e.getMessage().contains("is not a complete SQL file")
                    && e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void badRequestsAreOneClearLine() throws SQLException {
        try (var c = server.connect("gen1")) {
            var unknown = assertThrows(LabException.class, () -> Pagila.load(c, "sakila", 1, line -> {}));
            assertEquals("unknown dataset 'sakila': use auto, generated or official", unknown.getMessage());
            var scale = assertThrows(LabException.class, () -> Pagila.load(c, "generated", 0, line -> {}));
            assertEquals("--scale must be 1 or more, got 0", scale.getMessage());
        }
    }

    // --- helpers

    /** What the lab's workload does: a rental, its payment and the ledger row in one transaction. */
    private static void assertNewRentalAndPayment(Connection c) throws SQLException {
        long maxRental = scalar(c, "SELECT max(rental_id) FROM rental");
        c.setAutoCommit(false);
        try (var st = c.createStatement()) {
            st.execute("""
                    WITH r AS (
                      INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
                      SELECT now(), min(inventory_id), (SELECT min(customer_id) FROM customer), 1 FROM inventory
                      RETURNING rental_id, customer_id, staff_id
                    ), p AS (
                      INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
                      SELECT customer_id, staff_id, rental_id, 4.99, now() FROM r
                    )
                    INSERT INTO pglab_write (key, rental_id) SELECT 'test-key-1', rental_id FROM r""");
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        long rental = scalar(c, "SELECT rental_id FROM pglab_write WHERE key = 'test-key-1'");
        assertTrue(rental > maxRental, "a fresh rental id from the sequence: " + rental + " > " + maxRental);
        assertEquals(1, scalar(c, "SELECT count(*) FROM payment WHERE rental_id = " + rental));
    }

    private static String fingerprint(String database) throws SQLException {
        try (var c = server.connect(database)) {
            var parts = new StringBuilder();
            for (String table : List.of("actor", "address", "category", "city", "country", "customer", "film",
                    "film_actor", "film_category", "inventory", "language", "payment", "rental", "staff", "store")) {
                parts.append(scalarText(c,
                        "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM " + table + " t"));
            }
            return parts.toString();
        }
    }

    private static Path sqlDir() {
        return Env.get().root().resolve("pagila");
    }

    /** A port nothing listens on: connecting is refused at once, like a machine without network. */
    private static URI unreachable() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/pagila/");
        }
    }

    private static void assertBetween(long low, long high, long actual, String what) {
        assertTrue(actual >= low && actual <= high, what + " = " + actual + ", expected " + low + ".." + high);
    }

    static long count(Connection c, String table) throws SQLException {
        return scalar(c, "SELECT count(*) FROM " + table);
    }

    static long scalar(Connection c, String sql) throws SQLException {
        return Long.parseLong(scalarText(c, sql));
    }

    static String scalarText(Connection c, String sql) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    /**
     * A small file in pg_dump's plain format with what makes the real one tricky: psql commands,
     * SET lines that empty search_path, a dollar-quoted function with semicolons, quotes and an
     * inner dollar tag, comments, an E'' string, a partitioned payment, COPY blocks with escapes
     * and NULLs, statements that fail (as the official Pagila's pgvector parts do without
     * pgvector), and setval calls.
     */
    static final class HandMadeDump {
        static final String SCHEMA = """
                --
                -- PostgreSQL database dump
                --

                \\restrict pglabTestKey1

                -- Dumped from database version 18.0
                SET statement_timeout = 0;
                SET client_encoding = 'UTF8';
                SET standard_conforming_strings = on;
                SELECT pg_catalog.set_config('search_path', '', false);
                SET check_function_bodies = false;
                SET client_min_messages = warning;

                /* a block comment; /* nested; */ still a comment; */
                CREATE EXTENSION IF NOT EXISTS pglab_no_such_extension WITH SCHEMA public;

                CREATE FUNCTION public.film_label(p_title text, p_year integer) RETURNS text
                    LANGUAGE plpgsql IMMUTABLE
                    AS $_$
                BEGIN
                    -- a comment inside the body; it stays
                    RETURN $1 || ' (' || $2 || '); ' || 'it''s' || $q$ $$ ;$q$;
                END
                $_$;

                CREATE TABLE public.film (
                    film_id integer PRIMARY KEY,
                    title text NOT NULL,
                    "odd;name" text,
                    description text
                );
                COMMENT ON TABLE public.film IS E'a film\\'s row; with a semicolon';

                CREATE TABLE public.customer (customer_id integer PRIMARY KEY, first_name text NOT NULL);

                CREATE TABLE public.inventory (
                    inventory_id integer PRIMARY KEY,
                    film_id integer NOT NULL REFERENCES public.film
                );

                CREATE SEQUENCE public.rental_rental_id_seq;
                CREATE TABLE public.rental (
                    rental_id integer DEFAULT nextval('public.rental_rental_id_seq'::regclass) PRIMARY KEY,
                    rental_date timestamp with time zone NOT NULL,
                    inventory_id integer NOT NULL REFERENCES public.inventory,
                    customer_id integer NOT NULL REFERENCES public.customer,
                    return_date timestamp with time zone,
                    staff_id integer NOT NULL
                );

                CREATE SEQUENCE public.payment_payment_id_seq;
                CREATE TABLE public.payment (
                    payment_id integer DEFAULT nextval('public.payment_payment_id_seq'::regclass) NOT NULL,
                    customer_id integer NOT NULL,
                    staff_id integer NOT NULL,
                    rental_id integer NOT NULL,
                    amount numeric(5,2) NOT NULL,
                    payment_date timestamp with time zone NOT NULL,
                    PRIMARY KEY (payment_date, payment_id)
                )
                PARTITION BY RANGE (payment_date);
                CREATE TABLE public.payment_p2022_01 (
                    payment_id integer DEFAULT nextval('public.payment_payment_id_seq'::regclass) NOT NULL,
                    customer_id integer NOT NULL,
                    staff_id integer NOT NULL,
                    rental_id integer NOT NULL,
                    amount numeric(5,2) NOT NULL,
                    payment_date timestamp with time zone NOT NULL
                );
                ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_01
                    FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00');

                CREATE TABLE public.film_embedding (film_id integer, embedding public.vector(3));

                \\unrestrict pglabTestKey1
                """;

        static final String DATA = """
                --
                -- PostgreSQL database dump
                --

                \\restrict pglabTestKey2

                SET statement_timeout = 0;
                SET client_encoding = 'UTF8';
                SET standard_conforming_strings = on;
                SELECT pg_catalog.set_config('search_path', '', false);

                COPY public.film (film_id, title, "odd;name", description) FROM stdin;
                1\tACADEMY DINOSAUR\tx;y\tA tab\\there, a backslash \\\\ and a newline\\nend
                2\tACE GOLDFINGER\t\\N\tit's; fine -- not a comment
                \\.

                COPY public.customer (customer_id, first_name) FROM stdin;
                1\tMARY
                2\tPATRICIA
                \\.

                COPY public.inventory (inventory_id, film_id) FROM stdin;
                1\t1
                2\t2
                \\.

                COPY public.rental (rental_id, rental_date, inventory_id, customer_id, return_date, staff_id) FROM stdin;
                1\t2022-01-05 10:00:00+00\t1\t1\t2022-01-08 10:00:00+00\t1
                2\t2022-01-06 11:00:00+00\t2\t2\t\\N\t1
                \\.

                COPY public.payment_p2022_01 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) FROM stdin;
                1\t1\t1\t1\t2.99\t2022-01-08 10:00:00+00
                2\t2\t1\t2\t0.99\t2022-01-06 11:00:00+00
                \\.

                COPY public.film_embedding (film_id, embedding) FROM stdin;
                1\t[1,2,3]
                \\.

                SELECT pg_catalog.setval('public.rental_rental_id_seq', 2, true);
                SELECT pg_catalog.setval('public.payment_payment_id_seq', 2, true);

                \\unrestrict pglabTestKey2
                """;

        static void assertLoaded(Connection c) throws SQLException {
            assertEquals(2, count(c, "film"));
            assertEquals(2, count(c, "rental"));
            assertEquals(2, count(c, "payment"));
            assertEquals("A tab\there, a backslash \\ and a newline\nend",
                    scalarText(c, "SELECT description FROM film WHERE film_id = 1"));
            assertEquals("x;y", scalarText(c, "SELECT \"odd;name\" FROM film WHERE film_id = 1"));
            assertEquals(1, scalar(c, "SELECT count(*) FROM film WHERE \"odd;name\" IS NULL"));
            assertEquals("it's; fine -- not a comment", scalarText(c, "SELECT description FROM film WHERE film_id = 2"));
            assertEquals("a film's row; with a semicolon", scalarText(c, "SELECT obj_description('film'::regclass)"));
            assertEquals("X (2006); it's $$ ;", scalarText(c, "SELECT film_label('X', 2006)"));
            assertEquals(1, scalar(c, "SELECT count(*) FROM rental WHERE return_date IS NULL"));
        }
    }

    /** A throwaway PostgreSQL server: initdb into a temp folder, trust auth on 127.0.0.1 only. */
    static final class Server implements AutoCloseable {
        final Path bin;
        final Path dir;
        final int port;

        private Server(Path bin, Path dir, int port) {
            this.bin = bin;
            this.dir = dir;
            this.port = port;
        }

        static Server start() throws Exception {
            Path bin;
            try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
                bin = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString())))
                        .orElse(null);
            } catch (IOException e) {
                bin = null;
            }
            Required.tool(bin != null, "needs PostgreSQL server binaries in /usr/lib/postgresql/<major>/bin"
                    + " (Debian's postgresql package)");
            Path dir = Files.createTempDirectory("pglab-pagila-test-");
            if (runsAsRoot()) {
                exec(List.of("chown", "postgres:postgres", dir.toString()));
            }
            var server = new Server(bin, dir, FreePorts.one());
            server.runAsServerUser(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                    "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"));
            server.runAsServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
                    "-t", "60", "-l", dir.resolve("server.log").toString(), "-o",
                    "-p " + server.port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start"));
            return server;
        }

        Connection connect(String database) throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
        }

        void createDatabase(String name) throws SQLException {
            try (var c = connect("postgres"); var st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            }
        }

        Connection newDatabase(String name) throws SQLException {
            createDatabase(name);
            return connect(name);
        }

        /** Runs a command as the server's OS user: PostgreSQL refuses to run as root. */
        void runAsServerUser(List<String> command) throws IOException, InterruptedException {
            var full = new ArrayList<String>();
            if (runsAsRoot()) {
                full.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            full.addAll(command);
            exec(full);
        }

        static void exec(List<String> command) throws IOException, InterruptedException {
            var process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
            assertEquals(0, process.exitValue(), command + " failed:\n" + output);
        }

        private static boolean runsAsRoot() {
            return "root".equals(System.getProperty("user.name"));
        }


        @Override
        public void close() throws Exception {
            try {
                runAsServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
                        "-m", "fast", "stop"));
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
