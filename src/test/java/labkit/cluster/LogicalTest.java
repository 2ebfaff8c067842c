package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The apply error is read from subscribers' logs as PostgreSQL wrote them (captured from 18.6 and 16.15). */
class LogicalTest {
    /** PostgreSQL 18: conflicts that are only logged (LOG + CONTEXT), then the error that stopped the worker. */
    static final String PG18 = """
2026-12-01 09:12:13.992 UTC [13113] LOG:  conflict detected on relation "public.counter": conflict=update_origin_differs
2026-12-01 09:12:13.992 UTC [13113] DETAIL:  Updating the row that was modified locally in transaction 1752 at 2026-12-01 09:12:13.984584+00.
\tExisting local row (1, 123); remote row (1, 122); replica identity (id)=(1).
2026-12-01 09:12:13.992 UTC [13113] CONTEXT:  processing remote data for replication origin "pg_16415" during message type "UPDATE" for replication target relation "public.counter" in transaction 1710, finished at 0/303F7A0
2026-12-01 09:12:14.479 UTC [13113] ERROR:  conflict detected on relation "public.signup": conflict=insert_exists
2026-12-01 09:12:14.479 UTC [13113] DETAIL:  Key already exists in unique index "signup_pkey", modified locally in transaction 1761 at 2026-12-01 09:12:14.454997+00.
\tKey (email)=(ada@example.org); existing local row (ada@example.org, postgres-primary); remote row (ada@example.org, postgres-standby).
2026-12-01 09:12:14.479 UTC [13113] CONTEXT:  processing remote data for replication origin "pg_16415" during message type "INSERT" for replication target relation "public.signup" in transaction 1761, finished at 0/3041F58
2026-12-01 09:12:14.479 UTC [13113] LOG:  subscription "from_west" has been disabled because of an error
2026-12-01 09:12:14.507 UTC [13125] LOG:  released logical replication slot "from_east"
""";

    /** PostgreSQL 16: no conflict lines, the constraint's own error. */
    static final String PG16 = """
2026-12-01 09:00:12.810 UTC [26172] CONTEXT:  processing remote data for replication origin "pg_16409" during message type "UPDATE" for replication target relation "public.counter" in transaction 1202, finished at 0/195BA60
2026-12-01 09:00:13.057 UTC [26172] LOG:  concurrent update, retrying
2026-12-01 09:00:13.057 UTC [26172] CONTEXT:  processing remote data for replication origin "pg_16409" during message type "UPDATE" for replication target relation "public.counter" in transaction 1727, finished at 0/1972250
2026-12-01 09:00:13.612 UTC [26172] ERROR:  duplicate key value violates unique constraint "signup_pkey"
2026-12-01 09:00:13.612 UTC [26172] DETAIL:  Key (email)=(ada@example.org) already exists.
2026-12-01 09:00:13.612 UTC [26172] CONTEXT:  processing remote data for replication origin "pg_16409" during message type "INSERT" for replication target relation "public.signup" in transaction 1936, finished at 0/197A948
2026-12-01 09:00:13.612 UTC [26172] LOG:  subscription "sub_from_b" has been disabled because of an error
2026-12-01 09:00:13.760 UTC [26260] LOG:  logical replication apply worker for subscription "sub_from_b" has started
""";

    @Test
    void theErrorThatStoppedTheWorkerAndWhereItsTransactionEnds() {
        var error = Logical.lastApplyError(PG18.lines().toList()).orElseThrow();
        assertEquals("ERROR:  conflict detected on relation \"public.signup\": conflict=insert_exists", error.line());
        assertEquals("0/3041F58", error.finishLsn());
    }

    @Test
    void beforePostgres18TheErrorIsTheDuplicateKey() {
        var error = Logical.lastApplyError(PG16.lines().toList()).orElseThrow();
        assertEquals("ERROR:  duplicate key value violates unique constraint \"signup_pkey\"", error.line());
        assertEquals("0/197A948", error.finishLsn());
    }

    @Test
    void conflictsThatWereOnlyLoggedAreNoError() {
        List<String> onlyLogged = PG18.lines().limit(4).toList();
        assertTrue(Logical.lastApplyError(onlyLogged).isEmpty(), onlyLogged.toString());
        assertTrue(Logical.lastApplyError(List.of()).isEmpty());
    }
}
