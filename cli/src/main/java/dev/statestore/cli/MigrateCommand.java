package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.ScopeId;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code migrate}: copies scopes between any two stores, resumably, and verifies the copy. */
@Command(name = "migrate", description = {
    "Copies scopes from one store to another (local state to a team store, one backend to another), holding "
            + "the deploy lock on both sides.",
    "Records already copied are skipped, so an interrupted migration resumes when run again. Records that exist "
            + "in the target and differ are refused unless --overwrite. Ends by comparing both sides: the count "
            + "and a SHA-256 digest of every record."})
final class MigrateCommand extends ListCommands.Base {

    @Option(names = "--from", required = true, paramLabel = "URL", description = "the store to copy from")
    String fromUrl;

    @Option(names = "--to", required = true, paramLabel = "URL", description = "the store to copy to")
    String toUrl;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selection selection;

    static final class Selection {
        @ArgGroup(exclusive = false)
        One one;

        @Option(names = "--all", required = true, description = "every stack and stage of the source")
        boolean all;
    }

    static final class One {
        @Option(names = "--stack", required = true, paramLabel = "STACK")
        String stack;

        @Option(names = "--stage", paramLabel = "STAGE", description = "one stage (default: every stage of the stack)")
        String stage;
    }

    @Option(names = "--overwrite", description = "replace records that exist in the target and differ")
    boolean overwrite;

    @Option(names = "--no-progress", description = "no progress on standard error")
    boolean noProgress;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = spec.commandLine().getErr();
        try (StateStore from = StateStores.open(fromUrl); StateStore to = StateStores.open(toUrl)) {
            List<ScopeId> scopes = selection.all ? ExportImport.scopes(from, null, null)
                    : ExportImport.scopes(from, selection.one.stack, selection.one.stage);
            Migrator migrator = new Migrator(from, to, overwrite, owner("migrate"),
                    reporting(Progress.forCommand(err, noProgress)));
            ArrayNode results = Output.array();
            boolean allVerified = true;
            for (ScopeId scope : scopes) {
                Migrator.Result r = migrator.migrate(scope);
                allVerified &= r.verified();
                if (root().json) {
                    ObjectNode node = Output.object();
                    node.put("stack", scope.stack());
                    node.put("stage", scope.stage());
                    node.put("created", r.created());
                    node.put("overwritten", r.overwritten());
                    node.put("unchanged", r.unchanged());
                    node.set("refused", Output.strings(r.refused()));
                    node.set("unwritableNames", Output.strings(r.unwritable()));
                    node.put("sourceRecords", r.sourceCount());
                    node.put("targetRecords", r.targetCount());
                    node.put("sourceDigest", "sha256:" + r.sourceDigest());
                    node.put("targetDigest", "sha256:" + r.targetDigest());
                    node.put("verified", r.verified());
                    results.add(node);
                } else {
                    out.printf("%s/%s: %d created, %d overwritten, %d already there%s%s%n", scope.stack(), scope.stage(),
                            r.created(), r.overwritten(), r.unchanged(),
                            listed(r.refused(), " refused (they differ; --overwrite replaces them): "),
                            listed(r.unwritable(), " not copied (named as this store never writes; rename them with "
                                    + "the tool that wrote them): "));
                    if (r.verified()) {
                        out.printf("  verified: %d records on both sides, digest sha256:%s identical%n", r.sourceCount(),
                                r.sourceDigest());
                    } else {
                        out.printf("  NOT verified: source %d records sha256:%s, target %d records sha256:%s%n",
                                r.sourceCount(), r.sourceDigest(), r.targetCount(), r.targetDigest());
                    }
                }
            }
            if (root().json) {
                Output.json(out, results);
            }
            out.flush();
            return allVerified ? Statestore.OK : Statestore.CONFLICT;
        }
    }

    /** ", N what: the first ten", or nothing if there are none. */
    private static String listed(List<String> names, String what) {
        return names.isEmpty() ? "" : ", " + names.size() + what + String.join(", ", names.subList(0, Math.min(10, names.size())));
    }

    /** Who holds a lock that a command takes, for a deploy that finds it held. */
    static String owner(String command) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown-host";
        }
        return "statestore " + command + " by " + System.getProperty("user.name") + "@" + host + " (pid "
                + ProcessHandle.current().pid() + ")";
    }

    /** Migration progress as {@link Progress} shows it, one stretch per scope. */
    static Migrator.Progress reporting(Progress progress) {
        return new Migrator.Progress() {
            private long total;

            @Override
            public void scopeStarted(ScopeId scope, long total) {
                this.total = total;
                progress.start(scope.stack() + "/" + scope.stage(), total);
            }

            @Override
            public void recordDone(ScopeId scope, long done) {
                progress.advance(done);
                if (done >= total) {
                    progress.finish(done);
                }
            }
        };
    }
}
