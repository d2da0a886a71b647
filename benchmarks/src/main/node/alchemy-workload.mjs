// The benchmark's deploy, run through Alchemy's own file store (State/LocalState.ts) with one writer, as Alchemy's
// engine writes: each resource set "creating" then "created"; the plan's read (list, then a get of every record);
// each set "updating" then "updated"; each deleted. Run in the folder that is to hold .alchemy (LocalState resolves
// it against the working directory).
//   node alchemy-workload.mjs RESOURCES TEMPLATE_FILE STACK STAGE
// TEMPLATE_FILE: one record as JSON, the same document the Java side writes; its fqn and status are replaced.
// Prints {"create": s, "list": s, "update": s, "delete": s} in seconds.
import fs from "node:fs";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem";
import * as NodePath from "@effect/platform-node/NodePath";
import { makeLocalState } from "alchemy/State/LocalState";

const [resources, templateFile, stack, stage] = process.argv.slice(2);
const n = Number(resources);
const template = JSON.parse(fs.readFileSync(templateFile, "utf8"));
// Workloads.resourceName: 50 services of resources.
const fqnOf = (i) => `svc${i % 50}/res-${i}`;
const value = (fqn, status) => ({ ...template, fqn, status });

const program = Effect.gen(function* () {
  const store = yield* makeLocalState();
  const set = (fqn, status) => store.set({ stack, stage, fqn, value: value(fqn, status) });
  const seconds = {};
  let start = performance.now();
  const lap = (phase) => {
    const now = performance.now();
    seconds[phase] = (now - start) / 1000;
    start = now;
  };
  for (let i = 0; i < n; i++) {
    yield* set(fqnOf(i), "creating");
    yield* set(fqnOf(i), "created");
  }
  lap("create");
  const fqns = yield* store.list({ stack, stage });
  let read = 0;
  for (const fqn of fqns) {
    const record = yield* store.get({ stack, stage, fqn });
    if (record?.fqn === fqn) read++;
  }
  lap("list");
  if (fqns.length !== n || read !== n) {
    return yield* Effect.fail(new Error(`listed ${fqns.length} and read ${read} records, not ${n}`));
  }
  for (let i = 0; i < n; i++) {
    yield* set(fqnOf(i), "updating");
    yield* set(fqnOf(i), "updated");
  }
  lap("update");
  for (let i = 0; i < n; i++) {
    yield* store.delete({ stack, stage, fqn: fqnOf(i) });
  }
  lap("delete");
  return seconds;
});

Effect.runPromise(program.pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))).then(
  (seconds) => process.stdout.write(JSON.stringify(seconds) + "\n"),
  (error) => {
    process.stderr.write(`failed: ${error?.message ?? error}\n${error?.stack ?? ""}\n`);
    process.exit(1);
  },
);
