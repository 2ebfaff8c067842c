// ./jbang -i <lab> loads this into JShell once the lab's jar is on the class path (see ./jbang and
// JShellLab): the labkit's rooms, and userMain(...), which runs the lab as its command line would.
import labkit.cluster.*;
import labkit.workload.*;
import labkit.measure.*;
import labkit.notebook.*;
import tech.tablesaw.api.Table;
import static labkit.notebook.JShellLab.userMain;

System.out.println(JShellLab.mainClass() + " is loaded: userMain() runs it, straight through (as with --yes: JShell keeps"
        + "\nthe keyboard while it runs); userMain(\"--runtime\", \"local\") passes options, userMain(\"--help\") lists them."
        + "\nImported: the labkit's rooms (labkit.cluster, .workload, .measure, .notebook) and Tablesaw's Table.");
