// Alchemy's own HTTP state client (State/HttpStateStore.ts) against `statestore serve`.
// Usage: node alchemy-client.mjs URL FIXTURE_DIR, token in ALCHEMY_STATE_TOKEN.
// Prints one JSON object with what the client saw; the Java test compares it with the store.
import fs from "node:fs";
import path from "node:path";
import * as Effect from "effect/Effect";
import * as FetchHttpClient from "effect/unstable/http/FetchHttpClient";
import { makeHttpStateStore } from "alchemy/State/HttpStateStore";
import { encodeState, reviveStateRecursive } from "alchemy/State/StateEncoding";

const [url, fixtureDir] = process.argv.slice(2);
const token = process.env.ALCHEMY_STATE_TOKEN;
const stack = "from-alchemy";
const stage = "dev_sam";

const program = Effect.gen(function* () {
  const store = yield* makeHttpStateStore({ url, authToken: token, id: "http" });
  const seen = {};
  seen.version = yield* store.getVersion();

  // Every record of the fixture, revived as Alchemy holds it in memory, then set.
  const files = fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".json")).sort();
  for (const file of files) {
    const encoded = JSON.parse(fs.readFileSync(path.join(fixtureDir, file), "utf8"));
    if (file === "__stack_output__.json") {
      yield* store.setOutput({ stack, stage, value: reviveStateRecursive(encoded) });
    } else {
      yield* store.set({ stack, stage, fqn: encoded.fqn, value: reviveStateRecursive(encoded) });
    }
  }
  seen.stacks = yield* store.listStacks();
  seen.stages = yield* store.listStages(stack);
  seen.fqns = yield* store.list({ stack, stage });
  seen.replaced = (yield* store.getReplacedResources({ stack, stage })).map((r) => r.fqn);
  seen.readBack = {};
  for (const fqn of seen.fqns) {
    seen.readBack[fqn] = encodeState(yield* store.get({ stack, stage, fqn }));
  }
  seen.output = encodeState(yield* store.getOutput({ stack, stage }));
  seen.missingIsUndefined = (yield* store.get({ stack, stage, fqn: "No/Such/Thing" })) === undefined;
  seen.missingOutputIsUndefined = (yield* store.getOutput({ stack: "nobody", stage: "none" })) === undefined;

  // What the Java side wrote.
  seen.fromJava = encodeState(yield* store.get({ stack: "from-java", stage: "prod", fqn: "Api/Db/Password" }));

  // Deletes: a record (twice: the second is a no-op), one stage, a whole stack.
  yield* store.delete({ stack, stage, fqn: "Queue" });
  yield* store.delete({ stack, stage, fqn: "Queue" });
  seen.afterDelete = yield* store.list({ stack, stage });
  for (const s of ["a", "b"]) {
    yield* store.set({ stack: "doomed", stage: s, fqn: "X", value: { kind: "resource", fqn: "X", status: "created" } });
  }
  yield* store.deleteStack({ stack: "doomed", stage: "a" });
  seen.doomedStages = yield* store.listStages("doomed");
  yield* store.deleteStack({ stack: "doomed" });
  seen.stacksAfter = yield* store.listStacks();

  // A wrong token fails (a 401 is not retried).
  const wrong = yield* makeHttpStateStore({ url, authToken: "not-the-token", id: "http" });
  seen.wrongToken = yield* wrong.listStacks().pipe(
    Effect.map(() => "accepted"),
    Effect.catch((e) => Effect.succeed(`refused: ${e.http?.status}`)),
  );
  return seen;
});

Effect.runPromise(program.pipe(Effect.provide(FetchHttpClient.layer))).then(
  (seen) => {
    process.stdout.write(JSON.stringify(seen) + "\n");
  },
  (error) => {
    process.stderr.write(`failed: ${error?.message ?? error}\n${error?.stack ?? ""}\n`);
    process.exit(1);
  },
);
