package labkit;

/** Chooses where nodes run: docker when asked (or when an engine answers, for auto), else local. */
final class Runtimes {
    private Runtimes() {}

    static NodeRuntime open(Lab lab) {
        return switch (lab.options().runtime) {
            case "local" -> local(lab);
            case "docker" -> throw new LabException("the docker runtime is not built yet: use --runtime local");
            case "auto" -> {
                lab.result("No Docker runtime yet: running PostgreSQL processes on this machine (--runtime local).");
                yield local(lab);
            }
            default -> throw new LabException("--runtime must be auto, docker or local (got \"" + lab.options().runtime + "\")");
        };
    }

    private static NodeRuntime local(Lab lab) {
        var opts = lab.options();
        PgInstall pg = PgBinaries.find(opts.pgBin, opts.pgVersion, false, lab::progress);
        lab.event("Using PostgreSQL " + pg.version() + " from " + pg.binDir() + " (" + pg.source() + ")");
        return new LocalRuntime(pg, lab.out().resolve("logs"));
    }
}
