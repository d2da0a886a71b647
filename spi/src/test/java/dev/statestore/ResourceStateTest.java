package dev.statestore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ResourceStateTest {

    @Test
    void isImmutable() {
        ResourceState record = ResourceState.fromJson(
                "{\"fqn\":\"Db\",\"status\":\"created\",\"attr\":{\"password\":{\"__redacted__\":\"s3cret\"}}}");
        ((ObjectNode) record.attr().orElseThrow()).put("password", "changed");
        record.toJsonNode().put("status", "deleting");
        assertThat(record.toJson()).isEqualTo(
                "{\"fqn\":\"Db\",\"status\":\"created\",\"attr\":{\"password\":{\"__redacted__\":\"s3cret\"}}}");
    }

    @Test
    void toStringShowsNoInputsOrOutputs() {
        ResourceState record = ResourceState.fromJson(
                "{\"fqn\":\"Db\",\"status\":\"created\",\"resourceType\":\"Neon.Db\",\"props\":{\"pw\":\"in-s3cret\"},"
                        + "\"attr\":{\"pw\":\"out-s3cret\"}}");
        assertThat(record.toString()).contains("Db", "created", "Neon.Db").doesNotContain("s3cret");
        assertThat(StackOutput.fromJson("{\"token\":\"s3cret\"}").toString()).doesNotContain("s3cret");
    }

    @Test
    void builderKeepsFieldPositionsAndAddsNewOnesLast() {
        ResourceState record = ResourceState.fromJson("{\"kind\":\"resource\",\"fqn\":\"A\",\"status\":\"creating\",\"props\":{}}");
        ResourceState next = record.toBuilder().status(ResourceStatus.CREATED).attr(record.props().orElseThrow()).build();
        assertThat(next.toJson()).isEqualTo("{\"kind\":\"resource\",\"fqn\":\"A\",\"status\":\"created\",\"props\":{},\"attr\":{}}");
        assertThat(ResourceState.builder("Nightly", ResourceStatus.RAN).build().isAction()).isTrue();
    }

    @Test
    void statusesAndTheirIntermediateSet() {
        assertThat(ResourceStatus.intermediate()).containsExactlyInAnyOrder(ResourceStatus.CREATING, ResourceStatus.UPDATING,
                ResourceStatus.DELETING, ResourceStatus.REPLACING, ResourceStatus.REPLACED, ResourceStatus.RUNNING);
        assertThat(ResourceStatus.fromWireName("replaced")).contains(ResourceStatus.REPLACED);
        assertThat(ResourceStatus.fromWireName("Replaced")).isEmpty();
    }
}
