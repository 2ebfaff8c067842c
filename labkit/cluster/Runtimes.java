package labkit.cluster;

import java.util.Optional;

/** Chooses where nodes run: docker when asked (or when an engine answers, for auto), else local. */
final class Runtimes {
    private Runtimes() {}

    static NodeRuntime open(ClusterOptions options, Narrator narrator) {
        return switch (options.runtime()) {
            case "local" -> local(options, narrator);
            case "docker" -> {
                if (!DockerRuntime.available()) {
                    throw new LabException("no Docker engine answers: start Docker (docker info must work), "
                            + "or use --runtime local");
                }
                yield docker(options, narrator);
            }
            case "auto" -> {
                if (DockerRuntime.available()) {
                    yield docker(options, narrator);
                }
                narrator.result("No Docker engine answers: running PostgreSQL processes on this machine (--runtime local).");
                yield local(options, narrator);
            }
            default -> throw new LabException("--runtime must be auto, docker or local (got \"" + options.runtime() + "\")");
        };
    }

    /** The compose project is named after the lab, so a student finds it with docker compose -p pglab-lab02. */
    private static NodeRuntime docker(ClusterOptions options, Narrator narrator) {
        String asked = options.pgVersion() != null ? options.pgVersion()
                : options.dockerMajor() != null ? options.dockerMajor() : Env.get().pgMajor();
        String major = newEnough(options, PgBinaries.parseMajor(asked), asked, narrator);
        String image = DockerRuntime.imageFromEnvironment(options.dockerImage());
        var runtime = new DockerRuntime("pglab-" + options.name(), image, major, options.logDir(), narrator::progress);
        narrator.event("Using the image " + image + ":" + major + " with " + runtime.composeVersion()
                + " (compose project " + runtime.project() + ")");
        return runtime;
    }

    private static NodeRuntime local(ClusterOptions options, Narrator narrator) {
        PgInstall pg = PgBinaries.find(options.pgBin(), options.pgVersion(), false, narrator::progress);
        String major = newEnough(options, pg.major(), pg.version(), narrator);
        if (!major.equals(String.valueOf(pg.major()))) {
            pg = PgBinaries.find(Optional.empty(), major, false, narrator::progress);
        }
        narrator.event("Using PostgreSQL " + pg.version() + " from " + pg.binDir() + " (" + pg.source() + ")");
        return new LocalRuntime(pg, options.logDir());
    }

    /** The major to run: {@code found}, or a newer one when the lab needs it (said in one line). */
    private static String newEnough(ClusterOptions options, int found, String foundVersion, Narrator narrator) {
        int major = options.majorFor(found);
        if (major != found) {
            narrator.result("PostgreSQL " + foundVersion + " is older than " + options.minimumMajor()
                    + ", which this part needs: taking PostgreSQL " + major + ".");
        }
        return String.valueOf(major);
    }
}
