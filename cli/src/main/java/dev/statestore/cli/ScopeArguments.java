package dev.statestore.cli;

import picocli.CommandLine.Parameters;

/** The STACK STAGE pair that most commands start with. */
final class ScopeArguments {

    @Parameters(index = "0", paramLabel = "STACK", description = "the stack")
    String stack;

    @Parameters(index = "1", paramLabel = "STAGE", description = "the stage")
    String stage;
}
