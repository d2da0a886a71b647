package dev.statestore.cli;

import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.StateConflictException;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateStore;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code statestore} command: look inside any state store, move state between stores, free a stuck lock. */
@Command(name = "statestore", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "statestore 0.1.0",
        description = {"Looks inside any state store, moves state between stores, frees a stuck deploy lock.",
            "The store is a URL: file:.alchemy (the default), memory:, postgresql://…,",
            "redis://…, s3://…, dynamodb://…, azblob://…, https://… (see --store)."},
        subcommands = {
            ListCommands.Stacks.class, ListCommands.Stages.class, ListCommands.Ls.class, ListCommands.Show.class,
            ListCommands.Pending.class, ExportImport.Export.class, ExportImport.Import.class, MigrateCommand.class,
            RekeyCommand.class, ServeCommand.class, ViewCommand.class, BenchCommand.class, LockCommand.class,
            DeploymentCommands.ListDeployments.class, DeploymentCommands.Show.class, HistoryCommands.Changes.class,
            HistoryCommands.Diff.class, HistoryCommands.Restore.class, SurgeryCommands.Remove.class,
            SurgeryCommands.Move.class, SurgeryCommands.Edit.class, SurgeryCommands.Mark.class,
            SurgeryCommands.Repair.class, SurgeryCommands.Quarantine.class, DoctorCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  done",
            "  1  usage: bad arguments, a bad or unknown store URL, an invalid name",
            "  2  not found: no such record, scope or deployment, or history that does not reach back that far",
            "  3  conflict: the record changed meanwhile, records differ, the deploy lock is held, a newer",
            "     deployment fenced the write, or a restore or an edit was not confirmed",
            "  4  the store is unavailable: retry later",
            "  5  corrupt data in the store: it is left as it is for you to inspect",
            "  6  doctor found a problem with the store",
            "  7  the store refused the credentials or denied the operation: retrying will not help",
            "  8  the store is misconfigured: a missing table, a newer schema, a missing encryption key",
            "  9  the store answered an error this tool does not classify: its message says what"})
public final class Statestore implements Runnable {

    static final int OK = 0;
    static final int USAGE = 1;
    static final int NOT_FOUND = 2;
    static final int CONFLICT = 3;
    static final int UNAVAILABLE = 4;
    static final int CORRUPT = 5;
    static final int CHECK_FAILED = 6;
    static final int AUTHENTICATION = 7;
    static final int MISCONFIGURED = 8;
    static final int BACKEND_ERROR = 9;

    @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "the store (default: $STATESTORE_URL, else file:.alchemy)")
    String store;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "JSON for scripts instead of tables")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say which command to run");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with this project's exit codes and error messages. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Statestore());
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println("statestore: " + e.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
                failed.usage(err);
            }
            err.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("statestore: " + e.getMessage());
            String hint = hint(e);
            if (!hint.isEmpty()) {
                err.println(hint);
            }
            err.flush();
            return exitCode(e);
        });
        return cli;
    }

    static int exitCode(Throwable e) {
        if (e instanceof CommandFailure f) {
            return f.exitCode;
        }
        if ((e instanceof dev.statestore.RestoreIncompleteException || e instanceof dev.statestore.SurgeryIncompleteException)
                && e.getCause() != null) {
            return exitCode(e.getCause());
        }
        if (e instanceof StateNotFoundException || e instanceof dev.statestore.DeploymentNotFoundException
                || e instanceof dev.statestore.HistoryNotKeptException) {
            return NOT_FOUND;
        }
        if (e instanceof StateConflictException || e instanceof dev.statestore.LockConflictException
                || e instanceof dev.statestore.StateWriteFencedException
                || e instanceof dev.statestore.DeploymentTokenInvalidException) {
            return CONFLICT;
        }
        if (e instanceof StateStoreUnavailableException) {
            return UNAVAILABLE;
        }
        if (e instanceof dev.statestore.StateStoreAuthenticationException
                || e instanceof dev.statestore.StateStoreAccessDeniedException) {
            return AUTHENTICATION;
        }
        if (e instanceof dev.statestore.StateStoreMisconfiguredException) {
            return MISCONFIGURED;
        }
        if (e instanceof dev.statestore.StateStoreBackendException) {
            return BACKEND_ERROR;
        }
        if (e instanceof CorruptStateException) {
            return CORRUPT;
        }
        if (e instanceof InvalidStoreUrlException || e instanceof InvalidStateException) {
            return USAGE;
        }
        return USAGE;
    }

    private static String hint(Exception e) {
        if (e instanceof dev.statestore.LockConflictException) {
            return "wait for the deploy to finish, or if it crashed: statestore lock release --force STACK STAGE";
        }
        if (e instanceof StateStoreUnavailableException) {
            return "check that the store is running and reachable, then try again (statestore doctor helps)";
        }
        if (e instanceof CorruptStateException) {
            return "the bytes were left untouched: inspect them; statestore repair STACK STAGE quarantines the record "
                    + "(bytes kept) so the rest of the scope reads again";
        }
        if (e instanceof dev.statestore.UnknownSchemeException) {
            return "store URLs look like file:.alchemy, memory:, postgresql://host/db, redis://host:6379, s3://bucket/prefix, "
                    + "dynamodb://table, azblob://account/container/prefix";
        }
        return "";
    }

    /** The store URL in force: --store, else $STATESTORE_URL, else the default. */
    String storeUrl() {
        if (store != null) {
            if (store.isBlank()) {
                // Falling back to the default here would act on ./.alchemy when a script's variable was empty.
                throw new CommandFailure(USAGE, "--store is empty: give a store URL, such as file:.alchemy");
            }
            return store;
        }
        String env = System.getenv("STATESTORE_URL");
        return env != null && !env.isBlank() ? env : StateStores.DEFAULT_URL;
    }

    /** The store URL in force, without its secrets, for messages. */
    String storeUrlForMessages() {
        try {
            return dev.statestore.spi.StoreUrl.parse(storeUrl()).redacted();
        } catch (RuntimeException e) {
            return "(the store URL)";
        }
    }

    StateStore open() {
        return StateStores.open(storeUrl());
    }

    /** A failure a command reports itself, with its exit code. */
    static class CommandFailure extends RuntimeException {
        final int exitCode;

        CommandFailure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }
}
