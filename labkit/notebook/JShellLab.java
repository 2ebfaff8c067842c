package labkit.notebook;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import labkit.cluster.LabException;

/**
 * The lab that {@code ./jbang -i <lab>} opened in JShell, run with {@code userMain(…)}.
 *
 * <p>JBang's own {@code -i} puts only a script's //DEPS on JShell's class path, not the script's
 * jar (so neither the lab nor the labkit it compiles from //SOURCES), and its generated
 * {@code userMain} calls the main class as if it were a method. So ./jbang builds the lab with
 * JBang, puts its jar on the class path and loads labkit/notebook/lab.jsh, which imports
 * {@link #userMain}. The lab's class cannot be named from JShell even so (it is not public: a public
 * class must live in a file of its own name, and lab files keep the course's hyphenated names), so
 * this finds it by the jar's Main-Class and runs it as its command line would, without the
 * System.exit that would end JShell.
 */
public final class JShellLab {
    private JShellLab() {}

    /**
     * Runs the lab with these arguments, e.g. {@code userMain("--runtime", "local")}, and returns its
     * exit status. Always straight through, as with --yes: while a snippet runs JShell keeps the
     * terminal in its own mode, where a read of the keyboard returns at once with nothing (seen
     * with JDK 25), so the lab could not wait for the Enter between steps.
     */
    public static int userMain(String... args) {
        var withYes = new ArrayList<>(List.of(args));
        if (!withYes.contains("--yes") && !withYes.contains("-y")) {
            withYes.addFirst("--yes");
        }
        return Lab.execute(lab(mainClass()), withYes.toArray(String[]::new));
    }

    /** The name of the lab's class: the Main-Class of the jar that holds this labkit (the lab's jar). */
    public static String mainClass() {
        Path jar;
        try {
            jar = Path.of(JShellLab.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | SecurityException e) {
            throw new LabException("cannot tell which jar holds the labkit: " + e.getMessage());
        }
        String main = null;
        if (jar.toString().endsWith(".jar")) {
            try (var file = new JarFile(jar.toFile())) {
                var manifest = file.getManifest();
                main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
            } catch (IOException e) {
                throw new LabException("cannot read " + jar + ": " + e.getMessage());
            }
        }
        if (main == null) {
            throw new LabException("no lab is open here (" + jar + " names no main class): open one with ./jbang -i <lab>.java");
        }
        return main;
    }

    private static Callable<Integer> lab(String className) {
        try {
            Class<?> type = Class.forName(className, true, JShellLab.class.getClassLoader());
            if (!Callable.class.isAssignableFrom(type)) {
                throw new LabException(className + " is not a lab (a picocli command that implements Callable)");
            }
            var constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true); // lab classes are package-private: see the class comment
            @SuppressWarnings("unchecked")
            var lab = (Callable<Integer>) constructor.newInstance();
            return lab;
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new LabException("cannot create the lab " + className + ": " + e);
        }
    }
}
