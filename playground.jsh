// The Module 1 cluster, live in JShell: ./jbang playground.jsh [options] (or ./jbang playground),
// options as the labs' (--runtime, --port, ...; --help lists them). The verbs are those of
// labkit/notebook/Playground.java; /exit or Ctrl+D tears the cluster down.
//
// A .jsh cannot compile //SOURCES (JBang feeds them to JShell as snippets), but JBang builds a
// .java named in //DEPS into a jar on JShell's class path: lab01, which pulls in the whole labkit.
//DEPS lab01-basebackup.java

import labkit.cluster.*;
import labkit.workload.*;
import labkit.measure.*;
import labkit.notebook.*;
import java.time.Duration;
import tech.tablesaw.api.Table;

var playground = Playground.open(args);
var cluster = playground.cluster();
Node primary = playground.primary();
Node standby = playground.standby();
var link = playground.link();

void sql(Node node, String query) { playground.sql(node, query); }
void lag() { playground.lag(); }
void startWorkload() { playground.startWorkload(); }
void stopWorkload() { playground.stopWorkload(); }
void audit(Node node) { playground.audit(node); }
void rejoin(Node oldPrimary, Node newPrimary) { playground.rejoin(oldPrimary, newPrimary); }
void kill(Node node) { playground.kill(node); }
void stop(Node node) { playground.stop(node); }
void start(Node node) { playground.start(node); }
void promote(Node node) { playground.promote(node); }
void help() { playground.help(); }
