package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.DeploymentRecord;
import dev.statestore.LockInfo;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.spi.DeploymentJson;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lock status} and {@code lock release --force}: the deploy lock of a scope. */
@Command(name = "lock", description = "Shows or frees the deploy lock of a stack and stage.",
        subcommands = {LockCommand.Status.class, LockCommand.Release.class})
final class LockCommand {

    @Command(name = "status", description = "Who holds the deploy lock (the open deployment), its fencing token and "
            + "when it expires.")
    static final class Status extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                StateScope scope = store.scope(target.stack, target.stage);
                Optional<LockInfo> info = scope.lockInfo();
                // The open deployment, live or not: one whose heartbeat lapsed holds nothing but is still open.
                Optional<DeploymentRecord> open = scope.deployments().open();
                if (root().json) {
                    ObjectNode node = Output.object();
                    node.put("held", info.isPresent());
                    info.ifPresent(i -> {
                        node.put("owner", i.owner());
                        node.put("fencingToken", i.fencingToken());
                        node.put("acquiredAt", i.acquiredAt().toString());
                        node.put("expiresAt", i.expiresAt().toString());
                    });
                    open.ifPresent(r -> node.set("deployment", DeploymentJson.record(r)));
                    Output.json(out(), node);
                } else {
                    if (info.isPresent()) {
                        out().println("held by '" + info.get().owner() + "' since " + info.get().acquiredAt() + ", expires "
                                + info.get().expiresAt() + " (fencing token " + info.get().fencingToken() + ")");
                    } else {
                        out().println("free: no deploy of " + target.stack + "/" + target.stage + " holds the lock");
                    }
                    open.ifPresent(r -> {
                        List<String> row = DeploymentCommands.row(r, java.time.Instant.now());
                        out().println("open deployment " + r.version() + ": " + r.meta().command() + " by " + row.get(2)
                                + ", started " + r.startedAt() + ", last heartbeat " + r.heartbeatAt()
                                + (info.isPresent() ? "" : " (lapsed: the next deploy takes over)"));
                    });
                }
                out().flush();
            }
            return Statestore.OK;
        }
    }

    @Command(name = "release", description = "Frees the deploy lock whoever holds it: for a deploy that crashed. "
            + "Make sure no deploy of that stack and stage is still running.")
    static final class Release extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Option(names = "--force", required = true, description = "required: you know the holder is gone")
        boolean force;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                Optional<LockInfo> before = store.scope(target.stack, target.stage).lockInfo();
                boolean released = store.scope(target.stack, target.stage).forceReleaseLock();
                if (root().json) {
                    ObjectNode node = Output.object();
                    node.put("released", released);
                    if (released) {
                        before.ifPresent(i -> {
                            node.put("owner", i.owner());
                            node.put("fencingToken", i.fencingToken());
                        });
                    }
                    Output.json(out(), node);
                } else {
                    out().println(released ? "released the lock held by '" + before.map(LockInfo::owner).orElse("?") + "'"
                            : "the lock of " + target.stack + "/" + target.stage + " was not held");
                }
                out().flush();
            }
            return Statestore.OK;
        }
    }
}
