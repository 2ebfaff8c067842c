package labkit.workload;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import labkit.cluster.LabException;
import labkit.cluster.Node;

/**
 * Writers on several nodes that start at the same instant, one client per node, each running its
 * transaction a number of times as fast as it can: how a multi-leader conflict is made.
 */
public final class Race {
    /** The SQL of the {@code i}-th transaction on {@code node} (one or more statements). */
    @FunctionalInterface
    public interface Transaction {
        String sql(Node node, int i);
    }

    private Race() {}

    /** Runs the race; returns the transactions committed, by node name. A failed transaction stops the lab. */
    public static Map<String, Integer> run(List<Node> nodes, int times, Transaction transaction) {
        var start = new CyclicBarrier(nodes.size());
        var committed = new LinkedHashMap<String, Integer>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var clients = new LinkedHashMap<String, Future<Integer>>();
            for (Node node : nodes) {
                clients.put(node.name(), pool.submit(() -> {
                    try (Connection c = node.connect(); var st = c.createStatement()) {
                        c.setAutoCommit(false);
                        start.await();
                        for (int i = 0; i < times; i++) {
                            st.execute(transaction.sql(node, i));
                            c.commit();
                        }
                        return times;
                    }
                }));
            }
            for (var client : clients.entrySet()) {
                committed.put(client.getKey(), client.getValue().get());
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String message = cause instanceof SQLException sql ? sql.getMessage().lines().findFirst().orElse("") : cause.toString();
            throw new LabException("a racing writer failed: " + message, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
        return committed;
    }
}
