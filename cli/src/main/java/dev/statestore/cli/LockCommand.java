package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.LockInfo;
import dev.statestore.StateStore;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lock status} and {@code lock release --force}: the deploy lock of a scope. */
@Command(name = "lock", description = "Shows or frees the deploy lock of a stack and stage.",
        subcommands = {LockCommand.Status.class, LockCommand.Release.class})
final class LockCommand {

    @Command(name = "status", description = "Who holds the deploy lock, its fencing token and when it expires.")
    static final class Status extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                Optional<LockInfo> info = store.scope(target.stack, target.stage).lockInfo();
                if (root().json) {
                    ObjectNode node = Output.object();
                    node.put("held", info.isPresent());
                    info.ifPresent(i -> {
                        node.put("owner", i.owner());
                        node.put("fencingToken", i.fencingToken());
                        node.put("acquiredAt", i.acquiredAt().toString());
                        node.put("expiresAt", i.expiresAt().toString());
                    });
                    Output.json(out(), node);
                } else if (info.isPresent()) {
                    out().println("held by '" + info.get().owner() + "' since " + info.get().acquiredAt() + ", expires "
                            + info.get().expiresAt() + " (fencing token " + info.get().fencingToken() + ")");
                } else {
                    out().println("free: no deploy of " + target.stack + "/" + target.stage + " holds the lock");
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
