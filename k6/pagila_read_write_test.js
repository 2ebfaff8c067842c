// pglab's mixed Pagila workload for k6: the same operations and mix as the kit's built-in
// driver (labkit/workload/Workload.java, statements in labkit/workload/PagilaOps.java).
//   writes -> the primary: a new rental, its payment and a row in pglab_write under a key the
//             client generated, in one statement (one transaction, one round trip);
//   reads  -> the standby: browsing a category's films with lead actors and free copies.
// Both arrive at a constant rate (open model), whatever the servers do.
//
// Needs a k6 built with xk6-sql >= 1.0 and its PostgreSQL driver, lib/pq (see k6/README.md):
//   k6 run -e PGLAB_PRIMARY_URL=postgres://postgres:pglab@127.0.0.1:15432/pagila?sslmode=disable \
//          -e PGLAB_STANDBY_URL=postgres://postgres:pglab@127.0.0.1:15433/pagila?sslmode=disable \
//          --out json=out/k6.json k6/pagila_read_write_test.js
//
// Settings (-e NAME=value):
//   PGLAB_PRIMARY_URL, PGLAB_STANDBY_URL  lib/pq URLs; keep sslmode=disable (the lab's servers
//                                         have no TLS, and the driver's default is to require it)
//   PGLAB_RATE (200), PGLAB_READ_RATE (50)  writes / reads arriving per second (0: none)
//   PGLAB_USERS (64)       most virtual users (so connections) per operation type
//   PGLAB_DURATION (60s)   how long arrivals go on
//   PGLAB_TIMEOUT (5s)     bound on every statement, so no VU hangs on a dead server
//   PGLAB_RUN_ID           prefix of the write keys (default: made up at start); keys must be
//                          unique across runs against the same database
//   PGLAB_WRITE_P90_MS (250), PGLAB_READ_P90_MS (250)  thresholds on acknowledged latency
//
// Where the per-write records go, and why there: every write emits two metric samples, read
// back through k6's documented JSON output (--out json=FILE, one JSON object per line):
//   pglab_write_sent      Counter, just before the statement is sent
//   pglab_write_duration  Trend, when the outcome is known, tagged outcome=ok|failed|unknown
// Both carry the write's key as sample *metadata* (exec.vu.metrics.metadata), which k6 made for
// high-cardinality values: unlike a tag it creates no time series per key. Each sample's "time"
// has nanosecond resolution, while Date.now() here has only milliseconds. A write with a "sent"
// sample and no outcome was in flight when k6 stopped (k6 drops samples of interrupted
// iterations): the lab counts it as unknown. Reads do the same with pglab_read_*.
//
// Time and coordinated omission: constant-arrival-rate starts each iteration on its schedule
// when a VU is free, and otherwise drops it (dropped_iterations, with k6's "Insufficient VUs"
// warning) rather than starting it late. So an iteration's start is its intended start, and a
// stalled server shows as latency (up to PGLAB_TIMEOUT) or as dropped iterations, never as
// politely fewer requests. What this cannot see is a k6 process itself starved of CPU.

import sql from "k6/x/sql";
import driver from "k6/x/sql/driver/postgres";
import exec from "k6/execution";
import { check } from "k6";
import { Counter, Trend } from "k6/metrics";

// The statements of labkit/workload/PagilaOps.java, with PostgreSQL's $n placeholders (K6ScriptTest
// checks that they stay the same). The parameters are untyped on purpose: the server infers
// integer, numeric and text from the columns, as it does for the JDBC driver.
const WRITE_SQL = `
WITH r AS (
  INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
  VALUES (now(), $1, $2, $3) RETURNING rental_id, customer_id, staff_id
), p AS (
  INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
  SELECT customer_id, staff_id, rental_id, $4, now() FROM r
)
INSERT INTO pglab_write (key, rental_id, written_at) SELECT $5, rental_id, now() FROM r`;

const READ_SQL = `
SELECT f.film_id, f.title, f.rental_rate,
       (SELECT string_agg(a.last_name, ', ') FROM (SELECT a.last_name FROM film_actor fa
          JOIN actor a USING (actor_id) WHERE fa.film_id = f.film_id ORDER BY a.last_name LIMIT 3) a) AS actors,
       count(i.inventory_id) FILTER (WHERE NOT EXISTS (SELECT FROM rental r
          WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)) AS available
FROM film f
JOIN film_category fc ON fc.film_id = f.film_id
JOIN category c ON c.category_id = fc.category_id
LEFT JOIN inventory i ON i.film_id = f.film_id AND i.store_id = $1
WHERE c.name = $2
GROUP BY f.film_id
ORDER BY f.title
LIMIT 20`;

const RANGES_SQL = `
SELECT (SELECT max(inventory_id) FROM inventory) AS inventory, (SELECT max(customer_id) FROM customer) AS customers,
       (SELECT max(staff_id) FROM staff) AS staff, (SELECT max(store_id) FROM store) AS stores`;

const CATEGORIES = ["Action", "Animation", "Children", "Classics", "Comedy", "Documentary", "Drama", "Family",
  "Foreign", "Games", "Horror", "Music", "New", "Sci-Fi", "Sports", "Travel"];

function setting(name, fallback) {
  const value = __ENV[name];
  return value === undefined || value === "" ? fallback : value;
}

function number(name, fallback) {
  const value = Number(setting(name, fallback));
  if (!(value >= 0)) {
    throw new Error(`${name} must be a number >= 0, got "${__ENV[name]}"`);
  }
  return value;
}

const PRIMARY_URL = setting("PGLAB_PRIMARY_URL", "postgres://postgres:pglab@127.0.0.1:15432/pagila?sslmode=disable");
const STANDBY_URL = setting("PGLAB_STANDBY_URL", "postgres://postgres:pglab@127.0.0.1:15433/pagila?sslmode=disable");
const WRITE_RATE = number("PGLAB_RATE", 200);
const READ_RATE = number("PGLAB_READ_RATE", 50);
const USERS = Math.max(1, Math.floor(number("PGLAB_USERS", 64)));
const DURATION = setting("PGLAB_DURATION", "60s");
const TIMEOUT = setting("PGLAB_TIMEOUT", "5s");
const TIMEOUT_MS = milliseconds(TIMEOUT);
if (WRITE_RATE + READ_RATE === 0) {
  throw new Error("PGLAB_RATE and PGLAB_READ_RATE are both 0: nothing to run");
}

/** A Go duration ("5s", "1.5s", "300ms", "1m30s"), as xk6-sql's …WithTimeout parse it, in milliseconds. */
export function milliseconds(duration) {
  const unit = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let match;
  while (part.lastIndex < duration.length && (match = part.exec(duration)) !== null) {
    total += Number(match[1]) * unit[match[2]];
  }
  if (duration === "" || part.lastIndex !== duration.length || !(total > 0)) {
    throw new Error(`PGLAB_TIMEOUT must be a duration such as 5s or 500ms, got "${duration}"`);
  }
  return total;
}

// k6 wants a whole number of iterations per time unit: 2.5/s becomes 2500 per 1000 s, which
// k6 spreads evenly (one every 0.4 s) like 2.5/s.
function arrivals(perSecond) {
  return Number.isInteger(perSecond) ? { rate: perSecond, timeUnit: "1s" }
    : { rate: Math.round(perSecond * 1000), timeUnit: "1000s" };
}

// Enough VUs up front for ~50 ms of latency at this rate (initializing one mid-run takes time,
// and k6 drops arrivals meanwhile); up to USERS when the server stalls, like the built-in pool.
function scenario(fn, perSecond) {
  return {
    executor: "constant-arrival-rate",
    exec: fn,
    ...arrivals(perSecond),
    duration: DURATION,
    preAllocatedVUs: Math.min(USERS, Math.max(2, Math.ceil(perSecond * 0.05))),
    maxVUs: USERS,
  };
}

const scenarios = {};
const thresholds = { checks: ["rate>0.99"] };
if (WRITE_RATE > 0) {
  scenarios.writes = scenario("write", WRITE_RATE);
  thresholds["pglab_write_duration{outcome:ok}"] = [`p(90)<${number("PGLAB_WRITE_P90_MS", 250)}`];
}
if (READ_RATE > 0) {
  scenarios.reads = scenario("read", READ_RATE);
  thresholds["pglab_read_duration{outcome:ok}"] = [`p(90)<${number("PGLAB_READ_P90_MS", 250)}`];
}

// A fault run (a killed primary) crosses the checks threshold by design: k6 then exits with
// code 99 after printing the summary, and the lab reads the results all the same.
export const options = {
  scenarios,
  thresholds,
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(99)", "max", "count"],
};

const writeSent = new Counter("pglab_write_sent");
const writeDuration = new Trend("pglab_write_duration", true);
const readSent = new Counter("pglab_read_sent");
const readDuration = new Trend("pglab_read_duration", true);

// One handle per VU and server (init code runs in every VU). It connects on first use, and a VU
// runs one statement at a time, so one connection each, like a virtual user of the built-in.
const POOL = { max_open_conns: 1, max_idle_conns: 1 };
const primary = sql.open(driver, PRIMARY_URL, POOL);
const standby = sql.open(driver, STANDBY_URL, POOL);

// Whether this VU's pool holds a connection that worked, per server (see classify).
const connected = { primary: false, standby: false };

// Errors raised while opening a connection, before the statement could be sent: the dialer's
// (refused, unknown host, timeout), the server refusing the session (starting up, shutting down,
// too many clients, authentication, no such database) and TLS negotiation.
const CONNECT_ERROR = new RegExp([
  "\\bdial (tcp|unix)\\b", "\\blookup \\S+", "could not connect to any of the hosts", "SSL is not enabled",
  "the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)",
  "sorry, too many clients", "password authentication failed", "(database|role) \".*\" does not exist",
  "\\((08\\w{3}|57P03|53300|28\\w{3}|3D000)\\)$",
].join("|"));

// The server answered the statement itself with an error (lib/pq ends such messages with the
// SQLSTATE: seen with 1.11.2 and 1.12.3): in autocommit the statement's transaction was rolled
// back. That includes "canceling statement due to user request (57014)", what a statement
// interrupted by PGLAB_TIMEOUT gets, since a commit cannot be interrupted that way: it is either
// done or waiting for a synchronous standby (see afterTimeout).
const SERVER_ERROR = /\bpq: .*\([0-9A-Z]{5}\)$/;

/**
 * What the client can know about a write that threw (DESIGN.md §4): "failed" only when it
 * certainly did not commit, else "unknown".
 *
 * database/sql retries a statement on a fresh connection when the driver reports a bad
 * connection, and lib/pq reports one when the server closed the connection *after* the
 * statement was sent: a crash (EOF), or a FATAL such as "terminating connection due to
 * administrator command (57P01)" from a fast shutdown or pg_terminate_backend. What the script
 * sees is then the retry's error: "dial tcp …: connect: connection refused" (the server is down),
 * "pq: the database system is shutting down (57P03)", or, when the first attempt had committed,
 * "duplicate key value … (23505)". A reset connection is not retried ("read tcp …: read:
 * connection reset by peer"). So a refusal proves nothing was sent only if this VU had no
 * working connection to lose, and a duplicate key means an earlier attempt of this very write
 * committed.
 */
export function classify(message, hadConnection) {
  if (/\(23505\)|duplicate key value/.test(message)) {
    return "unknown";
  }
  if (CONNECT_ERROR.test(message)) {
    return hadConnection ? "unknown" : "failed";
  }
  return SERVER_ERROR.test(message) ? "failed" : "unknown";
}

/**
 * A write that returned no error although PGLAB_TIMEOUT had passed: when the deadline passes,
 * lib/pq asks the server to cancel the statement, and a commit whose wait for a synchronous
 * standby is cancelled stays committed locally, maybe not replicated; the server says so only in
 * a WARNING, which lib/pq drops, so the write comes back as a success. Such a write is "unknown",
 * never "ok". (A wait cancelled by someone else, pg_cancel_backend, also comes back as a success
 * and cannot be told apart here; the labs do not do that.) Date.now() counts whole milliseconds,
 * hence the 1 ms of slack.
 */
export function afterTimeout(elapsedMs, timeoutMs) {
  return elapsedMs >= timeoutMs - 1
    ? `no error, but only after the ${TIMEOUT} timeout: lib/pq cancelled the statement, and a commit `
      + "whose wait for synchronous replication is cancelled comes back as a success (committed locally, "
      + "maybe not replicated)"
    : null;
}

function messageOf(error) {
  return String(error && error.message !== undefined ? error.message : error);
}

function below(n) {
  return Math.floor(Math.random() * n);
}

export function setup() {
  const db = WRITE_RATE > 0 ? primary : standby;
  const [row] = db.queryWithTimeout(TIMEOUT, RANGES_SQL);
  const data = {
    runId: setting("PGLAB_RUN_ID", `k6-${Date.now().toString(36)}`),
    inventory: Number(row.inventory),
    customers: Number(row.customers),
    staff: Number(row.staff),
    stores: Number(row.stores),
  };
  // The kit waits for this line before it counts the load as started.
  console.log(`pglab k6 ready: run ${data.runId}, ${WRITE_RATE} writes/s, ${READ_RATE} reads/s`);
  return data;
}

export function teardown() {
  primary.close();
  standby.close();
}

/**
 * Runs one operation with its key as metadata on the samples it emits, and returns its outcome:
 * "ok", or what {@code judge} makes of the error, or "unknown" when {@code doubt} finds a reason
 * to doubt the success.
 */
function timed(key, sent, duration, server, judge, doubt, statement) {
  const metadata = exec.vu.metrics.metadata;
  metadata.key = key;
  const started = Date.now();
  sent.add(1);
  let outcome = "ok";
  try {
    statement();
    connected[server] = true;
    const why = doubt(Date.now() - started, TIMEOUT_MS);
    if (why !== null) {
      outcome = "unknown";
      metadata.error = why;
    }
  } catch (e) {
    const message = messageOf(e);
    outcome = judge(message, connected[server]);
    // A statement the server rejected leaves the connection usable; anything else discards it.
    connected[server] = SERVER_ERROR.test(message) && !CONNECT_ERROR.test(message);
    metadata.error = message;
  }
  duration.add(Date.now() - started, { outcome });
  delete metadata.error;
  delete metadata.key;
  return outcome;
}

export function write(data) {
  const key = `${data.runId}-${exec.scenario.iterationInTest}`;
  const outcome = timed(key, writeSent, writeDuration, "primary", classify, afterTimeout, () => {
    primary.execWithTimeout(TIMEOUT, WRITE_SQL, 1 + below(data.inventory), 1 + below(data.customers),
      1 + below(data.staff), ((99 + below(900)) / 100).toFixed(2), key);
  });
  check(outcome, { "write acknowledged": (o) => o === "ok" });
}

// Reads are timed, not audited: one that threw simply failed, and rows that came back are an answer.
export function read(data) {
  const key = `${data.runId}-r${exec.scenario.iterationInTest}`;
  const outcome = timed(key, readSent, readDuration, "standby", () => "failed", () => null, () => {
    standby.queryWithTimeout(TIMEOUT, READ_SQL, 1 + below(data.stores), CATEGORIES[below(CATEGORIES.length)]);
  });
  check(outcome, { "read answered": (o) => o === "ok" });
}
