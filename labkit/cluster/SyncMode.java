package labkit.cluster;

/**
 * The course's "sync mode" and "async mode" of one standby, named after the {@code sync_state}
 * the primary then reports for it in pg_stat_replication. Switching is a change of
 * {@code synchronous_standby_names} on the primary and a reload: no restart, the workload goes on.
 */
public enum SyncMode {
    /** Every commit waits until the standby has flushed its WAL (synchronous_commit = on, the default). */
    sync,
    /** The primary waits for nobody: the default, synchronous_standby_names = ''. */
    async;

    /**
     * Sets {@code primary}'s synchronous_standby_names with ALTER SYSTEM so that {@code standby} is in
     * this mode, and waits until the primary reports that sync_state. Returns the SQL it ran.
     */
    public String switchTo(Cluster cluster, Node primary, Node standby) {
        // a name with a hyphen must be double-quoted inside the setting
        String names = this == sync ? "'\"" + standby.name() + "\"'" : "''";
        String sql = primary.alterSystem("synchronous_standby_names", names);
        cluster.waitForSyncState(primary, standby, name());
        return sql;
    }
}
