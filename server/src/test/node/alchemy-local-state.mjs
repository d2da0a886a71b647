// Alchemy's own local state store (State/LocalState.ts) over a state tree, for AlchemyLocalStateRoundTripTest.
// Usage, in the folder that holds .alchemy (LocalState resolves it against the working directory):
//   node alchemy-local-state.mjs read NAMES_FILE    lists the stage and reads every fqn of NAMES_FILE
//   node alchemy-local-state.mjs write NAMES_FILE   writes a small record for every fqn of NAMES_FILE
// NAMES_FILE: {"stack": ..., "stage": ..., "fqns": [...]}. Prints one JSON object.
import fs from "node:fs";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem";
import * as NodePath from "@effect/platform-node/NodePath";
import { makeLocalState } from "alchemy/State/LocalState";

const [mode, namesFile] = process.argv.slice(2);
const { stack, stage, fqns } = JSON.parse(fs.readFileSync(namesFile, "utf8"));

const program = Effect.gen(function* () {
  const store = yield* makeLocalState();
  if (mode === "write") {
    for (const fqn of fqns) {
      yield* store.set({ stack, stage, fqn, value: { kind: "resource", fqn, status: "created", props: { by: "alchemy" } } });
    }
    return { written: fqns.length };
  }
  const seen = { listed: yield* store.list({ stack, stage }), read: {} };
  for (const fqn of fqns) {
    const value = yield* store.get({ stack, stage, fqn });
    seen.read[fqn] = value === undefined ? null : value.fqn ?? "(a record without fqn)";
  }
  return seen;
});

Effect.runPromise(program.pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))).then(
  (seen) => process.stdout.write(JSON.stringify(seen) + "\n"),
  (error) => {
    process.stderr.write(`failed: ${error?.message ?? error}\n${error?.stack ?? ""}\n`);
    process.exit(1);
  },
);
