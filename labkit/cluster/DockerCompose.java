package labkit.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The compose CLI on compose.yaml for one project: {@code docker compose} (v2), else
 * {@code docker-compose} (v1.29); {@code PGLAB_COMPOSE=v2} or {@code v1} takes only that one. Both
 * read the file and .env from the pglab folder; the environment given here (image, ports,
 * upstream) overrides .env, as it does by hand.
 */
final class DockerCompose {
    private static final Duration UP_TIMEOUT = Duration.ofMinutes(15);   // may pull the image first
    /** A service's image in {@code config}'s output: services' keys are indented by 4. */
    private static final java.util.regex.Pattern IMAGE_LINE = java.util.regex.Pattern.compile("^ {4}image: (\\S+)\\s*$");

    /** The two spellings of the compose CLI, newest first. */
    enum Flavour {
        V2(List.of("docker", "compose")),
        V1(List.of("docker-compose"));

        final List<String> cli;

        Flavour(List<String> cli) { this.cli = cli; }

        /** PGLAB_COMPOSE: v2 or v1 takes only that CLI; unset or blank, v2 and then v1. */
        static List<Flavour> chosen(String setting) {
            if (setting == null || setting.isBlank()) {
                return List.of(V2, V1);
            }
            return switch (setting.strip()) {
                case "v2" -> List.of(V2);
                case "v1" -> List.of(V1);
                default -> throw new LabException("PGLAB_COMPOSE must be v2 (docker compose) or v1 (docker-compose), "
                        + "or unset for the first that runs (got \"" + setting + "\")");
            };
        }
    }

    private final List<String> cli;
    private final String version;
    private final Path root;
    private final String file;
    private final String profile;
    private final String project;
    private final Map<String, String> env = new HashMap<>();

    private DockerCompose(List<String> cli, String version, Path root, String file, String profile, String project) {
        this.cli = cli;
        this.version = version;
        this.root = root;
        this.file = file;
        this.profile = profile;
        this.project = project;
    }

    /** Finds the compose CLI PGLAB_COMPOSE asks for (by default the first that runs), or says how to get one. */
    static DockerCompose find(Path root, String project) {
        return find(root, "compose.yaml", null, project, Flavour.chosen(System.getenv("PGLAB_COMPOSE")));
    }

    /** The same, for another compose file of the pglab folder and one profile of it (lab07's compose.ha.yaml, ha). */
    static DockerCompose find(Path root, String file, String profile, String project) {
        return find(root, file, profile, project, Flavour.chosen(System.getenv("PGLAB_COMPOSE")));
    }

    static DockerCompose find(Path root, String project, List<Flavour> candidates) {
        return find(root, "compose.yaml", null, project, candidates);
    }

    private static DockerCompose find(Path root, String file, String profile, String project, List<Flavour> candidates) {
        for (Flavour flavour : candidates) {
            var version = new ArrayList<>(flavour.cli);
            version.add("version");
            try {
                String output = Processes.run(version, Map.of(), Duration.ofSeconds(20));
                return new DockerCompose(flavour.cli, output.lines().findFirst().orElse("").strip(), root, file, profile,
                        project);
            } catch (LabException notThisOne) {
                // try the next spelling
            }
        }
        if (candidates.size() == 1) {
            throw new LabException("PGLAB_COMPOSE asks for `" + String.join(" ", candidates.get(0).cli)
                    + "`, which does not run: install it, or unset PGLAB_COMPOSE");
        }
        throw new LabException("Docker Compose is missing (neither `docker compose` nor `docker-compose` runs): "
                + "install it, or use --runtime local");
    }

    /** The same CLI on the same project, with a copy of the variables set so far (for nodes of another major). */
    DockerCompose copy() {
        var copy = new DockerCompose(cli, version, root, file, profile, project);
        copy.env.putAll(env);
        return copy;
    }

    String project() { return project; }

    /** What the CLI says of itself: "Docker Compose version 2.26.1-4", "docker-compose version 1.29.2, build …". */
    String version() { return version; }

    /** A variable set with {@link #set}, or null. */
    String get(String variable) {
        return env.get(variable);
    }

    /** Sets a variable compose.yaml reads (PRIMARY_PORT, UPSTREAM_HOST, …) for every later call. */
    void set(String variable, String value) {
        env.put(variable, value);
    }

    /** {@code up -d --no-deps <service>}: creates and starts one service; its dependencies are the kit's business. */
    void up(String service, Consumer<String> output) {
        run(UP_TIMEOUT, output, "up", "-d", "--no-deps", service);
    }

    /** {@code config --services}: the services of compose.yaml in the active profiles. */
    List<String> services() {
        var services = new ArrayList<String>();
        run(Duration.ofSeconds(30), line -> {
            if (!line.isBlank()) {
                services.add(line.strip());
            }
        }, "config", "--services");
        return services;
    }

    /**
     * The images the file's services in the active profiles run, with the variables set so far:
     * {@code config} prints the file resolved, each service's {@code image:} on a line of its own
     * (v1 and v2 alike; v1 has no {@code config --images}).
     */
    List<String> images() {
        var images = new java.util.LinkedHashSet<String>();
        run(Duration.ofSeconds(30), line -> {
            var m = IMAGE_LINE.matcher(line);
            if (m.matches()) {
                images.add(m.group(1).replaceAll("^[\"']|[\"']$", ""));
            }
        }, "config");
        return List.copyOf(images);
    }

    /** The same CLI call, as a student types it in the pglab folder. */
    String commandLine(String... args) {
        return String.join(" ", cli) + (file.equals("compose.yaml") ? "" : " -f " + file)
                + (profile == null ? "" : " --profile " + profile) + " -p " + project + " " + String.join(" ", args);
    }

    /** The CLI with this project's file, folder and name: what other tools (k6) add their arguments to. */
    List<String> command() {
        var command = new ArrayList<>(cli);
        command.addAll(List.of("-f", root.resolve(file).toString(), "--project-directory", root.toString(),
                "-p", project));
        if (profile != null) {
            command.addAll(List.of("--profile", profile));
        }
        return command;
    }

    private void run(Duration timeout, Consumer<String> output, String... args) {
        var command = command();
        command.addAll(List.of(args));
        try {
            Processes.run(command, env, timeout, output);
        } catch (LabException e) {
            throw new LabException("`" + commandLine(args) + "` in " + root + ": " + e.getMessage(), e);
        }
    }
}
