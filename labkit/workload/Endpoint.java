//DEPS org.postgresql:postgresql:42.7.8
package labkit.workload;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import labkit.cluster.Env;
import labkit.cluster.Node;
import org.postgresql.core.BaseConnection;

/**
 * Where a virtual user connects: one node, or several in one multi-host JDBC URL, where the
 * driver picks the node (with {@code targetServerType=primary}, the first that accepts writes).
 * That is how an application follows a failover without being told where the new primary is:
 * its broken connections reconnect and find it. The ledger records the node each write reached.
 */
public interface Endpoint {

    /** What the ledger records for an attempt that reached no node. */
    String name();

    /** A new connection as the lab's superuser. */
    Connection connect() throws SQLException;

    /** The node a connection of this endpoint reached. */
    String nodeOf(Connection connection);

    /** A node that has the data (for reading Pagila's id ranges before the first write). */
    Node anyNode();

    /** One node, reached directly. */
    static Endpoint of(Node node) {
        return new Endpoint() {
            @Override public String name() { return node.name(); }
            @Override public Connection connect() throws SQLException { return node.connect(); }
            @Override public String nodeOf(Connection connection) { return node.name(); }
            @Override public Node anyNode() { return node; }
        };
    }

    /**
     * The nodes in one URL, {@code jdbc:postgresql://h1:p1,h2:p2/db?targetServerType=…}. Set both
     * timeouts: PgJDBC waits 10 s for a connection by default and forever for an answer, and
     * connections it has opened are never moved to another node.
     */
    static MultiHost multiHost(List<? extends Node> nodes, String targetServerType, Duration connectTimeout,
                               Duration socketTimeout) {
        return new MultiHost(List.copyOf(nodes), targetServerType, connectTimeout, socketTimeout);
    }

    record MultiHost(List<Node> nodes, String targetServerType, Duration connectTimeout, Duration socketTimeout)
            implements Endpoint {

        /** The URL a student puts in an application's configuration. */
        public String url() {
            String hosts = nodes.stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","));
            return "jdbc:postgresql://" + hosts + "/" + Env.get().database() + "?targetServerType=" + targetServerType
                    + "&connectTimeout=" + connectTimeout.toSeconds() + "&socketTimeout=" + socketTimeout.toSeconds();
        }

        @Override
        public String name() {
            return nodes.stream().map(Node::name).collect(Collectors.joining(","));
        }

        @Override
        public Connection connect() throws SQLException {
            var env = Env.get();
            var props = new Properties();
            props.setProperty("user", env.superuser());
            props.setProperty("password", env.superuserPassword());
            props.setProperty("ApplicationName", "pglab");
            return DriverManager.getConnection(url(), props);
        }

        /** The host and port the driver actually connected to, mapped back to the node's name. */
        @Override
        public String nodeOf(Connection connection) {
            try {
                var host = connection.unwrap(BaseConnection.class).getQueryExecutor().getHostSpec();
                return byAddress().getOrDefault(host.getHost() + ":" + host.getPort(), host.toString());
            } catch (SQLException e) {
                return name();
            }
        }

        private Map<String, String> byAddress() {
            return nodes.stream().collect(Collectors.toMap(n -> n.host() + ":" + n.port(), Node::name, (a, b) -> a));
        }

        @Override
        public Node anyNode() {
            return nodes.get(0);
        }
    }
}
