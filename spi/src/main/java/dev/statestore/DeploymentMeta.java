package dev.statestore;

import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who and what started a deployment: recorded by {@link Deployments#begin} and never changed.
 *
 * @param command what the deployment does: {@code deploy} or {@code destroy} (Alchemy's), {@code restore} or
 *     {@code repair} (this suite's own tools)
 * @param initiator who started it, if known
 * @param toolVersion the version of the tool that ran it (Alchemy's {@code alchemyVersion})
 * @param gitCommit the commit of the application's repository, if known
 * @param note why it was run, in the operator's words (this suite's {@code repair}); stored as {@code note}, a field
 *     Alchemy's own deployments do not have
 */
public record DeploymentMeta(String command, @Nullable Initiator initiator, @Nullable String toolVersion,
        @Nullable String gitCommit, @Nullable String note) {

    /** The commands a deployment may record. */
    public static final Set<String> COMMANDS = Set.of("deploy", "destroy", "restore", "repair");

    public DeploymentMeta {
        Objects.requireNonNull(command, "command");
        if (!COMMANDS.contains(command)) {
            throw new InvalidStateException("a deployment's command is one of " + COMMANDS + ", was '" + command + "'");
        }
    }

    /** Without a note: what Alchemy's deployments record. */
    public DeploymentMeta(String command, @Nullable Initiator initiator, @Nullable String toolVersion,
            @Nullable String gitCommit) {
        this(command, initiator, toolVersion, gitCommit, null);
    }

    /** A {@code deploy} by {@code initiator}. */
    public static DeploymentMeta deploy(@Nullable Initiator initiator) {
        return new DeploymentMeta("deploy", initiator, null, null);
    }

    /** Who started a deployment; each part may be unknown. */
    public record Initiator(@Nullable String user, @Nullable String host, @Nullable Long pid) {

        /** The user running this process on this host, with its pid. */
        public static Initiator thisProcess() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException | RuntimeException e) {
                host = null;
            }
            return new Initiator(System.getProperty("user.name"), host, ProcessHandle.current().pid());
        }

        /** {@code user@host}, or whichever part is known, for people to read. */
        public String describe() {
            String who = user == null ? "" : user;
            String where = host == null ? "" : host;
            String both = who.isEmpty() || where.isEmpty() ? who + where : who + "@" + where;
            return both.isEmpty() ? "unknown" : both;
        }
    }
}
