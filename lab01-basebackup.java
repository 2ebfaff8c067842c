///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4

import static labkit.workload.Pagila.MAIN_TABLES;

import java.time.Duration;
import java.util.concurrent.Callable;
import labkit.cluster.Sql;
import labkit.measure.Window;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.workload.Pagila;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

@Command(name = "lab01-basebackup", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 1: Cluster Initialization (Base Backup).",
                "Starts postgres-primary configured for replication, loads Pagila on it,",
                "takes a base backup into postgres-standby and checks that the standby",
                "streams and holds the same data.",
                "Results: out/lab01/summary.json and the nodes' logs."})
class Lab01 implements Callable<Integer> {
    @Mixin LabOptions options;

    public static void main(String... args) {
        Lab.main(new Lab01(), args);
    }

    @Override
    public Integer call() {
        var lab = Lab.start("lab01", "Module 1: Cluster Initialization (Base Backup)", options);
        var summary = lab.summary();
        try (var cluster = lab.cluster()) {

            lab.step("1.1", "Configure & Start the Leader");
            lab.say("""
                    postgres-primary starts with the replication settings of conf/replication.conf: wal_level = replica
                    writes enough WAL to rebuild the data elsewhere, WAL senders and a replication slot serve the standby.
                    pg_rewind (Module 4) needs wal_log_hints or data checksums (initdb's default from PostgreSQL 18): the
                    kit sets wal_log_hints. The standby logs in as a dedicated role that may stream WAL but is not a
                    superuser, and pg_hba.conf lets that role replicate only from the cluster.""");
            var primary = cluster.primary("postgres-primary");
            lab.show(primary, "SELECT name, setting FROM pg_settings WHERE name IN "
                    + "('wal_level','max_wal_senders','max_replication_slots','wal_log_hints','data_checksums','hot_standby',"
                    + "'fsync','synchronous_commit','cluster_name') ORDER BY name");
            lab.show(primary, "SELECT rolname, rolreplication, rolsuper FROM pg_roles WHERE rolreplication AND NOT rolsuper");
            lab.show(primary, "SELECT type, array_to_string(database, ',') AS database, array_to_string(user_name, ',') AS user_name, "
                    + "address, auth_method FROM pg_hba_file_rules "
                    + "WHERE 'replication' = ANY(database)");

            lab.step("1.2", "Create the Dataset");
            lab.say("""
                    Pagila is a DVD-rental store: films, actors, customers, an inventory of copies, rentals and
                    payments. It gives the later modules realistic reads (browsing films) and writes (new rentals).""");
            var dataset = Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var dataSummary = summary.putObject("dataset");
            dataSummary.put("source", dataset.source());
            dataSummary.put("scale", dataset.scale());
            dataSummary.put("seconds", dataset.seconds());
            dataSummary.set("window", Window.lasting("load start", "load end", dataset.seconds()).json());

            lab.step("1.3", "Start the Follower (The \"Snapshot\")");
            lab.say("""
                    We copy the leader's data directory while it keeps running: a base backup. The files change as they
                    are copied, so the copy is fuzzy; the WAL written meanwhile streams alongside, and the follower (in
                    standby mode) is consistent once it has replayed that WAL to the backup's end, then streams on.""");
            lab.command("pg_basebackup -h <primary> -U replicator -D <datadir> -X stream -S postgres_standby -R -P");
            var backup = cluster.baseBackup(primary, "postgres-standby");
            var standby = backup.standby();
            lab.result(String.format("Base backup by %s: %,d bytes in %.1f s.", backup.method(), backup.bytes(),
                    backup.seconds()));
            if (backup.method().equals("low-level-api")) {
                lab.say("""
                        These PostgreSQL binaries have no pg_basebackup, so the kit used the documented low-level API
                        instead: pg_backup_start(), a copy of the data directory, pg_backup_stop().""");
            }
            cluster.waitForStreaming(primary, standby);
            var replication = lab.show(primary, "SELECT application_name, client_addr, state, sync_state, sent_lsn, "
                    + "replay_lsn FROM pg_stat_replication");
            primary.waitForCatchup(standby, Duration.ofSeconds(60));

            lab.step("Outcome", "A 2-node cluster, the standby streaming from the primary");
            var counts = Table.create("row counts", StringColumn.create("table"),
                    LongColumn.create("postgres-primary"), LongColumn.create("postgres-standby"));
            var tables = summary.putObject("tables");
            for (String table : MAIN_TABLES) {
                long onPrimary = Sql.count(primary, table);
                long onStandby = Sql.count(standby, table);
                counts.stringColumn(0).append(table);
                counts.longColumn(1).append(onPrimary);
                counts.longColumn(2).append(onStandby);
                tables.putObject(table).put("primary", onPrimary).put("standby", onStandby);
            }
            lab.table(counts);

            summary.putObject("primary").put("name", primary.name()).put("port", primary.port())
                    .put("version", primary.version());
            summary.putObject("standby").put("name", standby.name()).put("port", standby.port())
                    .put("version", standby.version())
                    .put("state", replication.stringColumn("state").get(0))
                    .put("applicationName", replication.stringColumn("application_name").get(0));
            summary.putObject("baseBackup").put("method", backup.method()).put("bytes", backup.bytes())
                    .put("seconds", backup.seconds())
                    .set("window", Window.lasting("backup start", "backup end", backup.seconds()).json());
        }
        lab.writeSummary();
        return 0;
    }
}
