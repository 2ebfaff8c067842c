package labkit.cluster;

import labkit.notebook.Lab;

/** Chooses where nodes run: docker when asked (or when an engine answers, for auto), else local. */
final class Runtimes {
    private Runtimes() {}

    static NodeRuntime open(Lab lab) {
        return switch (lab.options().runtime) {
            case "local" -> local(lab);
            case "docker" -> {
                if (!DockerRuntime.available()) {
                    throw new LabException("no Docker engine answers: start Docker (docker info must work), "
                            + "or use --runtime local");
                }
                yield docker(lab);
            }
            case "auto" -> {
                if (DockerRuntime.available()) {
                    yield docker(lab);
                }
                lab.result("No Docker engine answers: running PostgreSQL processes on this machine (--runtime local).");
                yield local(lab);
            }
            default -> throw new LabException("--runtime must be auto, docker or local (got \"" + lab.options().runtime + "\")");
        };
    }

    /** The compose project is named after the lab, so a student finds it with docker compose -p pglab-lab02. */
    private static NodeRuntime docker(Lab lab) {
        String major = lab.options().pgVersion != null ? lab.options().pgVersion : Env.get().pgMajor();
        String image = DockerRuntime.imageFromEnvironment();
        lab.event("Using the image " + image + ":" + major + " (compose project pglab-" + lab.name() + ")");
        return new DockerRuntime("pglab-" + lab.name(), image, major, lab.out().resolve("logs"), lab::progress);
    }

    private static NodeRuntime local(Lab lab) {
        var opts = lab.options();
        PgInstall pg = PgBinaries.find(opts.pgBin, opts.pgVersion, false, lab::progress);
        lab.event("Using PostgreSQL " + pg.version() + " from " + pg.binDir() + " (" + pg.source() + ")");
        return new LocalRuntime(pg, lab.out().resolve("logs"));
    }
}
