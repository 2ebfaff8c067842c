package labkit.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chooses where nodes run: docker when asked, local when asked; auto takes docker when an engine
 * answers and has the lab's images or can pull them, else local, saying why in one line. Both
 * are decided before anything starts.
 */
final class Runtimes {
    /** How long a registry has to say whether it has an image (none reachable: it fails at once). */
    private static final Duration PULL_CHECK = Duration.ofSeconds(3);

    private Runtimes() {}

    static NodeRuntime open(ClusterOptions options, Narrator narrator) {
        return switch (options.runtime()) {
            case "local" -> local(options, narrator);
            case "docker" -> {
                if (!DockerRuntime.available()) {
                    throw new LabException("no Docker engine answers: start Docker (docker info must work), "
                            + "or use --runtime local");
                }
                var images = Images.of(options);
                images.unavailable().ifPresent(why -> {
                    throw new LabException(why + ": " + images.howToBuild() + ", or use --runtime local");
                });
                yield docker(options, images, narrator);
            }
            case "auto" -> {
                if (!DockerRuntime.available()) {
                    narrator.result("No Docker engine answers: running PostgreSQL processes on this machine (--runtime local).");
                    yield local(options, narrator);
                }
                var images = Images.of(options);
                var why = images.unavailable();
                if (why.isPresent()) {
                    narrator.result(why.get() + ": running PostgreSQL processes on this machine (--runtime local); "
                            + images.howToBuild() + ".");
                    yield local(options, narrator);
                }
                yield docker(options, images, narrator);
            }
            default -> throw new LabException("--runtime must be auto, docker or local (got \"" + options.runtime() + "\")");
        };
    }

    /**
     * The images a docker run of the lab would start: its repository tagged with the nodes' major,
     * and with the other major it runs beside them, if any.
     *
     * @param asked the major asked for (--pg-version, the lab's, or PG_MAJOR); {@code major} is
     *              newer when the lab needs a newer one
     */
    private record Images(DockerImage image, String repository, String asked, int major, List<Integer> majors) {
        static Images of(ClusterOptions options) {
            DockerImage image = options.image();
            String repository = image.chosen();
            DockerRuntime.requireRepository(repository);
            String asked = options.pgVersion() != null ? options.pgVersion()
                    : image.major() != null ? image.major() : Env.get().pgMajor();
            int major = options.majorFor(PgBinaries.parseMajor(asked));
            var majors = new ArrayList<>(List.of(major));
            if (image.besides() != null && image.besides().applyAsInt(major) != major) {
                majors.add(image.besides().applyAsInt(major));
            }
            return new Images(image, repository, asked, major, List.copyOf(majors));
        }

        /** Why one of them cannot run here (absent, and no pull would find it), or empty when all can. */
        Optional<String> unavailable() {
            try (var engine = DockerEngine.connect()) {
                for (int m : majors) {
                    String name = repository + ":" + m;
                    var why = engine.unavailable(name, PULL_CHECK);
                    if (why.isPresent()) {
                        return Optional.of("no image " + name + " here, and none can be pulled (" + why.get() + ")");
                    }
                }
            }
            return Optional.empty();
        }

        /** How to make them where no registry has them: the repository's build script. */
        String howToBuild() {
            return "build " + (majors.size() == 1 ? "one" : "them") + " with " + image.build() + " "
                    + String.join(" ", majors.stream().map(String::valueOf).toList())
                    + (repository.equals(image.built()) ? "" : " and run with PGLAB_IMAGE=" + image.built());
        }
    }

    /** The compose project is named after the lab, so a student finds it with docker compose -p pglab-lab02. */
    private static NodeRuntime docker(ClusterOptions options, Images images, Narrator narrator) {
        tellNewer(options, PgBinaries.parseMajor(images.asked()), images.asked(), images.major(), narrator);
        String major = String.valueOf(images.major());
        var runtime = new DockerRuntime("pglab-" + options.name(), images.repository(), major, options.logDir(),
                narrator::progress);
        narrator.event("Using the image " + images.repository() + ":" + major + " with " + runtime.composeVersion()
                + " (compose project " + runtime.project() + ")");
        return runtime;
    }

    private static NodeRuntime local(ClusterOptions options, Narrator narrator) {
        PgInstall pg = PgBinaries.find(options.pgBin(), options.pgVersion(), false, narrator::progress);
        int major = options.majorFor(pg.major());
        tellNewer(options, pg.major(), pg.version(), major, narrator);
        if (major != pg.major()) {
            pg = PgBinaries.find(Optional.empty(), String.valueOf(major), false, narrator::progress);
        }
        narrator.event("Using PostgreSQL " + pg.version() + " from " + pg.binDir() + " (" + pg.source() + ")");
        return new LocalRuntime(pg, options.logDir());
    }

    /** Says in one line when the lab takes a newer major than {@code found} ({@link ClusterOptions#majorFor}). */
    private static void tellNewer(ClusterOptions options, int found, String foundVersion, int major, Narrator narrator) {
        if (found != major) {
            narrator.result("PostgreSQL " + foundVersion + " is older than " + options.minimumMajor()
                    + ", which this part needs: taking PostgreSQL " + major + ".");
        }
    }
}
