package labkit.cluster;

import java.util.ArrayList;

/**
 * The replication programs that run beside the cluster's servers on this machine: Bucardo (with
 * PL/Perl of the servers' exact version, for its database) and pgpool-II. A lab that needs them
 * checks first, so that it stops with one line before any node starts.
 */
public final class ReplicationTools {
    private ReplicationTools() {}

    /** Throws one line naming the Debian packages to install when Bucardo, its PL/Perl or pgpool-II is missing. */
    public static void require(Cluster cluster) {
        var missing = new ArrayList<String>();
        Bucardo.missing(cluster).ifPresent(missing::add);
        if (Pgpool.program().isEmpty()) {
            missing.add("pgpool2");
        }
        if (!missing.isEmpty()) {
            throw new LabException("this lab runs Bucardo and pgpool-II beside PostgreSQL; missing here: " + String.join(", ", missing)
                    + ". On Debian: apt-get install bucardo pgpool2 postgresql-plperl-" + cluster.major()
                    + " (pinned to the installed server's version)");
        }
    }
}
