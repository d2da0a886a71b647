package dev.statestore.dynamodb;

import dev.statestore.spi.ClientRetries;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Tells {@link ClientRetries} of every attempt after an API call's first: the SDK's retries (throttling, 5xx, a
 * dropped connection), made on the calling thread by a synchronous client, so they are counted against the store call
 * that made them. Stateless: one instance may serve any number of clients.
 */
final class RetryReporting implements ExecutionInterceptor {

    /** Set on the first attempt of a call; the SDK keeps a call's attributes across its attempts. */
    private static final ExecutionAttribute<Boolean> SENT = new ExecutionAttribute<>("statestore.dynamodb.sent");

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (attributes.getAttribute(SENT) != null) {
            ClientRetries.retried("aws-sdk");
        } else {
            attributes.putAttribute(SENT, Boolean.TRUE);
        }
    }
}
