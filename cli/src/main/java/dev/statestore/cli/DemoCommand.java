package dev.statestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StackOutput;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code demo}: walks a sample stack through a deploy into the store, the way an engine writes it:
 * each intermediate status before its cloud call, an update, a replacement, and one resource left in
 * {@code creating} as if the process had crashed.
 */
@Command(name = "demo", description = "Walks a sample stack (demo-app, stage dev) through a deploy into the store, "
        + "leaving one resource in 'creating' as a crashed deploy would, then shows what ls and pending see.")
final class DemoCommand extends ListCommands.Base {

    static final String STACK = "demo-app";
    static final String STAGE = "dev";

    private static JsonNode json(String text) {
        try {
            return StateJson.parse(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ResourceState.Builder resource(String fqn, String type, ResourceStatus status) {
        int slash = fqn.lastIndexOf('/');
        ResourceState.Builder b = ResourceState.builder(fqn, status).resourceType(type)
                .logicalId(fqn.substring(slash + 1)).instanceId("i-" + Integer.toHexString(fqn.hashCode() & 0xffff))
                .providerVersion(1).downstream(List.of()).bindings(json("[]"));
        if (slash > 0) {
            b.namespace(fqn.substring(0, slash));
        }
        return b;
    }

    @Override
    public Integer call() {
        PrintWriter out = out();
        try (StateStore store = root().open()) {
            StateScope scope = store.scope(STACK, STAGE);
            scope.deleteAll();

            // A bucket: created.
            Versioned<ResourceState> bucket = scope.create(resource("Bucket", "Cloudflare.R2Bucket", ResourceStatus.CREATING)
                    .props(json("{\"name\":\"demo-assets\"}")).build());
            scope.update(bucket.value().toBuilder().status(ResourceStatus.CREATED)
                    .attr(json("{\"bucketName\":\"demo-assets-7f3a\"}")).build(), bucket.version());

            // A worker: created, then updated to a new script.
            Versioned<ResourceState> worker = scope.create(resource("Api/Worker", "Cloudflare.Worker", ResourceStatus.CREATING)
                    .props(json("{\"main\":\"src/v1.ts\"}")).build());
            worker = scope.update(worker.value().toBuilder().status(ResourceStatus.CREATED)
                    .attr(json("{\"url\":\"https://api.demo.workers.dev\"}")).build(), worker.version());
            worker = scope.update(worker.value().toBuilder().status(ResourceStatus.UPDATING)
                    .old(json("{\"props\":{\"main\":\"src/v1.ts\"},\"bindings\":[],\"attr\":{\"url\":\"https://api.demo.workers.dev\"}}"))
                    .props(json("{\"main\":\"src/v2.ts\"}")).build(), worker.version());
            scope.update(worker.value().toBuilder().status(ResourceStatus.UPDATED).remove("old").build(), worker.version());

            // A database: created, then replaced by a new generation, the old one deleted.
            Versioned<ResourceState> db = scope.create(resource("Api/Db", "Neon.Database", ResourceStatus.CREATING)
                    .props(json("{\"region\":\"eu-central-1\"}")).build());
            db = scope.update(db.value().toBuilder().status(ResourceStatus.CREATED)
                    .attr(json("{\"id\":\"db-1\",\"password\":{\"__redacted__\":\"s3cr3t\"}}")).build(), db.version());
            ResourceState previous = db.value();
            db = scope.update(previous.toBuilder().status(ResourceStatus.REPLACING).props(json("{\"region\":\"us-east-1\"}"))
                    .previousGeneration(previous).deleteFirst(false).build(), db.version());
            db = scope.update(db.value().toBuilder().status(ResourceStatus.REPLACED)
                    .attr(json("{\"id\":\"db-2\",\"password\":{\"__redacted__\":\"n3w-s3cr3t\"}}")).build(), db.version());
            scope.update(db.value().toBuilder().status(ResourceStatus.CREATED).remove("old").remove("deleteFirst").build(),
                    db.version());

            // A queue: the deploy "crashed" after writing 'creating', before the cloud call returned.
            scope.create(resource("Queue", "AWS.SQS.Queue", ResourceStatus.CREATING).props(json("{\"fifo\":true}")).build());

            scope.putOutput(StackOutput.of(json("{\"url\":\"https://api.demo.workers.dev\",\"bucket\":\"demo-assets-7f3a\"}")));

            String at = store.describe();
            if (root().json) {
                ObjectNode node = Output.object();
                node.put("store", at);
                node.put("stack", STACK);
                node.put("stage", STAGE);
                ArrayNode records = Output.array();
                scope.listAll().forEach(v -> records.add(Output.record(v)));
                node.set("records", records);
                ArrayNode pending = Output.array();
                scope.listPending().forEach(v -> pending.add(Output.record(v)));
                node.set("pending", pending);
                Output.json(out, node);
                return Statestore.OK;
            }
            out.println("Walked " + STACK + "/" + STAGE + " through a deploy in " + at + ".");
            out.println();
            out.println("$ statestore ls " + STACK + " " + STAGE);
            ListCommands.print(root(), out, scope.listAll());
            out.println();
            out.println("$ statestore pending " + STACK + " " + STAGE + "   (left behind by the \"crashed\" deploy)");
            ListCommands.print(root(), out, scope.listPending());
            out.println();
            out.println("Try next:");
            out.println("  ./statestore show " + STACK + " " + STAGE + " Api/Db");
            out.println("  ./statestore export " + STACK + " " + STAGE + " -o demo.json");
            out.println("  ./statestore migrate --from file:.alchemy --to file:.alchemy-copy --stack " + STACK);
            out.println("  ./statestore lock status " + STACK + " " + STAGE);
            out.println("  ./statestore doctor");
            out.flush();
        }
        return Statestore.OK;
    }
}
