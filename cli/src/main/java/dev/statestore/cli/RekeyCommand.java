package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.RekeyResult;
import dev.statestore.ScopeId;
import dev.statestore.StateStores;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code rekey}: re-seals a scope of an encrypted store under its primary key after a rotation. */
@Command(name = "rekey", description = {
    "Re-seals every record and the stack output of a stack and stage under the primary key (the first key of the "
            + "store URL's encryptionKey), so that the older keys can be retired. Holds the deploy lock meanwhile.",
    "Records already under the primary key are left alone: an interrupted rekey resumes when run again."})
final class RekeyCommand extends ListCommands.Base {

    @Mixin
    ScopeArguments target;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = Progress.forCommand(err, false);
        progress.start("rekey " + target.stack + "/" + target.stage + ": records looked at", 0);
        RekeyResult result = StateStores.rekey(root().storeUrl(), new ScopeId(target.stack, target.stage),
                MigrateCommand.owner("rekey"), progress::advance);
        progress.finish(result.examined());
        if (root().json) {
            ObjectNode node = Output.object();
            node.put("stack", target.stack);
            node.put("stage", target.stage);
            node.put("primaryKey", result.primaryKey());
            node.put("examined", result.examined());
            node.put("resealed", result.resealed());
            Output.json(out, node);
        } else {
            out.printf("%s/%s: %d of %d documents re-sealed; all are now under the key '%s'%n", target.stack, target.stage,
                    result.resealed(), result.examined(), result.primaryKey());
        }
        out.flush();
        return Statestore.OK;
    }
}
