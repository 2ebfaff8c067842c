// Stand-ins for the k6 modules the script imports (k6, k6/metrics, k6/execution, k6/x/sql and
// its postgres driver), so node can run the script's functions. They record what the script
// emits in globalThis.k6stub; they are not k6 and say nothing about k6 itself.
const stub = globalThis.k6stub;

function metric(type) {
  return class {
    constructor(name, isTime) {
      this.name = name;
      this.isTime = Boolean(isTime);
      stub.metrics.push({ name, type, isTime: this.isTime });
    }

    add(value, tags) {
      stub.samples.push({ metric: this.name, value, tags: { ...(tags || {}) }, metadata: { ...stub.metadata } });
    }
  };
}

export const Counter = metric("counter");
export const Trend = metric("trend");

export function check(value, checks) {
  for (const [name, predicate] of Object.entries(checks)) {
    stub.samples.push({ metric: "checks", value: predicate(value) ? 1 : 0, tags: { check: name },
      metadata: { ...stub.metadata } });
  }
}

function database(url, options) {
  const run = (kind) => (timeout, statement, ...args) => {
    stub.calls.push({ kind, url, options, timeout, statement, args });
    const answer = stub.answers.shift();
    // the statement takes this long on the stand-in clock (run-script.mjs)
    stub.nowMs += (answer && answer.takesMs) || 0;
    if (answer && answer.error) {
      throw new Error(answer.error);
    }
    return kind === "exec" ? { rowsAffected: () => 1 } : (answer && answer.rows) || [];
  };
  return { execWithTimeout: run("exec"), queryWithTimeout: run("query"), close() {} };
}

// One default export serves every module: the script uses sql.open, exec.vu / exec.scenario,
// and passes the driver's default export through to sql.open untouched.
export default {
  open: (driver, url, options) => database(url, options),
  vu: { metrics: { metadata: stub.metadata } },
  get scenario() {
    return { iterationInTest: stub.iteration };
  },
};
