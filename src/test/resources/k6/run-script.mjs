// Runs k6/pagila_read_write_test.js under node with the stand-in k6 modules:
//   node run-script.mjs SCRIPT PLAN_JSON
// PLAN_JSON: {"env": {...}, "writes": [answer...], "reads": [answer...]}, where an answer is
// {} (success) or {"error": "message"}, either with "takesMs": how long the statement takes on
// a stand-in clock (Date.now), which moves only then. Prints what the script emitted, as JSON.
import { register } from "node:module";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [scriptPath, planPath] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planPath, "utf8"));

globalThis.__ENV = plan.env || {};
globalThis.k6stub = { metrics: [], samples: [], calls: [], answers: [], metadata: {}, iteration: 0,
  nowMs: Date.now() };
const stub = globalThis.k6stub;
Date.now = () => stub.nowMs;
const logged = [];
console.log = (...parts) => logged.push(parts.join(" "));

register("./k6-stub-hooks.mjs", import.meta.url);
const script = await import(pathToFileURL(scriptPath).href);

stub.answers = [{ rows: [{ inventory: 4696, customers: 599, staff: 2, stores: 2 }] }];
const data = script.setup();

function run(fn, answers) {
  const from = stub.samples.length;
  answers.forEach((answer, i) => {
    stub.iteration = i;
    stub.answers = [answer];
    fn(data);
  });
  return stub.samples.slice(from);
}

const writes = run(script.write, plan.writes || []);
const reads = run(script.read, plan.reads || []);
process.stdout.write(JSON.stringify({
  options: script.options, data, logged, metrics: stub.metrics, writes, reads, calls: stub.calls,
  metadataLeft: { ...stub.metadata },
}));
