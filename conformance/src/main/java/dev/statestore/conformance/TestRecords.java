package dev.statestore.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.spi.StateJson;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Records the suite writes: every shape Alchemy persists, and awkward JSON. */
final class TestRecords {

    private TestRecords() {}

    static JsonNode json(String text) {
        try {
            return StateJson.parse(text);
        } catch (Exception e) {
            throw new IllegalArgumentException("bad test JSON: " + text, e);
        }
    }

    static ResourceState record(String fqn, ResourceStatus status) {
        return ResourceState.builder(fqn, status)
                .resourceType("Test.Thing")
                .props(json("{\"marker\":" + StateJson.compact(StateJson.nodes().textNode(fqn)) + "}"))
                .build();
    }

    static ResourceState counter(String fqn, long n) {
        return ResourceState.builder(fqn, ResourceStatus.CREATED).attr(json("{\"n\":" + n + "}")).build();
    }

    /** 1 MiB of random base64 text in {@code props.bundle}: no backend can compress it much. */
    static ResourceState incompressible(String fqn, int bytes, long seed) {
        byte[] random = new byte[bytes * 3 / 4];
        new Random(seed).nextBytes(random);
        ObjectNode props = StateJson.nodes().objectNode();
        props.put("bundle", Base64.getEncoder().encodeToString(random));
        return ResourceState.builder(fqn, ResourceStatus.CREATED).resourceType("Cloudflare.Worker").props(props).build();
    }

    /** A record of random base64 text whose compact JSON is exactly {@code bytes} bytes of UTF-8. */
    static ResourceState incompressibleOfExactly(String fqn, int bytes, long seed) {
        ResourceState shell = incompressible(fqn, 0, seed);
        int rest = bytes - shell.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        byte[] random = new byte[rest / 4 * 3 + 3];
        new Random(seed).nextBytes(random);
        ObjectNode props = StateJson.nodes().objectNode();
        props.put("bundle", Base64.getEncoder().withoutPadding().encodeToString(random).substring(0, rest));
        ResourceState record = shell.toBuilder().props(props).build();
        int size = record.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (size != bytes) {
            throw new IllegalStateException("built " + size + " bytes, not " + bytes);
        }
        return record;
    }

    /** Every shape of Alchemy's records, by name, as compact JSON documents. */
    static Map<String, String> shapes() {
        Map<String, String> shapes = new LinkedHashMap<>();
        String common = "\"kind\":\"resource\",\"providerVersion\":1,\"downstream\":[\"Api/Route\"],"
                + "\"bindings\":[{\"sid\":\"BucketRead\",\"binding\":{\"bucket\":\"Bucket\"}}],";
        shapes.put("creating", "{" + common + "\"fqn\":\"S/creating\",\"logicalId\":\"creating\","
                + "\"resourceType\":\"AWS.SQS.Queue\",\"instanceId\":\"i-1\",\"status\":\"creating\","
                + "\"props\":{\"fifo\":true,\"maxMessageSize\":262144,\"ratio\":0.75,\"tags\":null}}");
        shapes.put("created", "{" + common + "\"fqn\":\"S/created\",\"logicalId\":\"created\","
                + "\"resourceType\":\"Cloudflare.R2Bucket\",\"instanceId\":\"i-2\",\"status\":\"created\","
                + "\"props\":{\"name\":\"b\"},\"attr\":{\"createdAt\":{\"__date__\":\"2026-11-01T10:00:00.000Z\"}},"
                + "\"removalPolicy\":\"retain\",\"providerMode\":\"local\",\"namespace\":\"S\"}");
        shapes.put("updating", "{" + common + "\"fqn\":\"S/updating\",\"logicalId\":\"updating\","
                + "\"resourceType\":\"Cloudflare.Worker\",\"instanceId\":\"i-3\",\"status\":\"updating\","
                + "\"props\":{\"timeout\":{\"__duration__\":{\"_id\":\"Duration\",\"_tag\":\"Millis\",\"millis\":30000}}},"
                + "\"old\":{\"props\":{\"main\":\"old.ts\"},\"bindings\":[],\"attr\":{\"url\":\"https://x.dev\"}},"
                + "\"adopting\":false}");
        shapes.put("updated", "{" + common + "\"fqn\":\"S/updated\",\"logicalId\":\"updated\","
                + "\"resourceType\":\"Test.Thing\",\"instanceId\":\"i-4\",\"status\":\"updated\",\"props\":{},\"attr\":{}}");
        shapes.put("deleting", "{" + common + "\"fqn\":\"S/deleting\",\"logicalId\":\"deleting\","
                + "\"resourceType\":\"AWS.DynamoDB.Table\",\"instanceId\":\"i-5\",\"status\":\"deleting\","
                + "\"attr\":{\"tableName\":\"t\"}}");
        String gen1 = "{\"kind\":\"resource\",\"fqn\":\"S/replaced\",\"logicalId\":\"replaced\",\"resourceType\":\"Site\","
                + "\"instanceId\":\"i-6\",\"status\":\"created\",\"props\":{\"v\":1},\"attr\":{\"id\":\"g1\"}}";
        String gen2 = "{\"kind\":\"resource\",\"fqn\":\"S/replaced\",\"logicalId\":\"replaced\",\"resourceType\":\"Site\","
                + "\"instanceId\":\"i-6\",\"status\":\"replacing\",\"props\":{\"v\":2},\"old\":" + gen1
                + ",\"deleteFirst\":true}";
        shapes.put("replacing", "{" + common + "\"fqn\":\"S/replacing\",\"logicalId\":\"replacing\","
                + "\"resourceType\":\"Site\",\"instanceId\":\"i-7\",\"status\":\"replacing\",\"props\":{\"v\":2},"
                + "\"old\":" + gen1.replace("S/replaced", "S/replacing") + ",\"deleteFirst\":false}");
        shapes.put("replaced", "{" + common + "\"fqn\":\"S/replaced\",\"logicalId\":\"replaced\","
                + "\"resourceType\":\"Site\",\"instanceId\":\"i-6\",\"status\":\"replaced\",\"props\":{\"v\":3},"
                + "\"attr\":{\"id\":\"g3\"},\"old\":" + gen2 + ",\"deleteFirst\":false}");
        shapes.put("running", "{\"kind\":\"action\",\"fqn\":\"S/running\",\"logicalId\":\"running\","
                + "\"actionType\":\"Migrate\",\"status\":\"running\",\"downstream\":[],\"inputHash\":\"ab12\","
                + "\"input\":{\"n\":1}}");
        shapes.put("ran", "{\"kind\":\"action\",\"fqn\":\"S/ran\",\"logicalId\":\"ran\",\"actionType\":\"NightlySync\","
                + "\"status\":\"ran\",\"downstream\":[],\"inputHash\":\"9f2c\",\"input\":{\"n\":1},\"output\":{\"ok\":true}}");
        shapes.put("secret", "{\"kind\":\"resource\",\"fqn\":\"S/secret\",\"logicalId\":\"secret\","
                + "\"resourceType\":\"Random.Password\",\"instanceId\":\"i-8\",\"status\":\"created\","
                + "\"props\":{\"length\":32},\"attr\":{\"value\":{\"__redacted__\":\"s3cr3t-p@ss\"}}}");
        shapes.put("old row without kind", "{\"fqn\":\"S/legacy\",\"resourceType\":\"Test.Thing\",\"status\":\"created\","
                + "\"props\":{}}");
        shapes.put("unknown fields", "{\"kind\":\"resource\",\"futureTopLevel\":{\"a\":[1,2,{\"b\":null}]},"
                + "\"fqn\":\"S/future\",\"status\":\"created\",\"props\":{\"x\":1},\"zzz\":\"last\",\"aaa\":\"after\"}");
        return shapes;
    }

    /** Documents whose JSON is awkward, by name; each is compact JSON as the codec writes it. */
    static Map<String, String> awkwardProps() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("unicode and emoji", "{\"text\":\"日本語 Ünïcödé ✓ 🚀👩‍👩‍👧 \\u0000 end\",\"🔑\":\"clé\"}");
        cases.put("escaped characters", "{\"q\":\"\\\"quoted\\\" \\\\ back\\\\slash / \\n\\t\\r\\b\\f\",\"c\":\"\\u0001\\u001F\"}");
        cases.put("big integers beyond long", "{\"big\":123456789012345678901234567890,\"neg\":-98765432109876543210987654321,"
                + "\"max\":9223372036854775807,\"min\":-9223372036854775808}");
        cases.put("decimals with 30 digits", "{\"d\":0.123456789012345678901234567890,\"e\":3.141592653589793238462643383279,"
                + "\"z\":1.10,\"small\":1.0E-30}");
        cases.put("null versus absent", "{\"present\":null,\"nested\":{\"alsoNull\":null},\"arr\":[null]}");
        cases.put("key order kept", "{\"z\":1,\"a\":2,\"m\":3,\"B\":4,\"b\":5,\"10\":6,\"9\":7}");
        cases.put("empty containers", "{\"o\":{},\"a\":[],\"s\":\"\",\"nested\":[{},[],[[]]]}");
        cases.put("100 levels of nesting", nested(100));
        cases.put("booleans and numbers", "{\"t\":true,\"f\":false,\"zero\":0,\"neg\":-1,\"exp\":1.5E+300}");
        return cases;
    }

    private static String nested(int depth) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            s.append(i % 2 == 0 ? "{\"k\":" : "[");
        }
        s.append("\"deep\"");
        for (int i = depth - 1; i >= 0; i--) {
            s.append(i % 2 == 0 ? "}" : "]");
        }
        return s.toString();
    }

    /** fqns that every backend must keep apart, and keep inside their scope. */
    static List<String> awkwardFqns() {
        return List.of(
                "with space", "  leading and trailing  ", "Ünïcödé/名前/🚀 rocket", "percent%20encoded", "100%",
                "a%2Fb", "colon:name", "hash#name", "question?name=1&x", "back\\slash", "Bucket", "bucket", "BUCKET",
                "x".repeat(1000), "__stack_output__", "_lead", "trail_", "a__b", "a___b/_/__", "Api/Db/Password",
                "Api__Db__Password", "..a", ".hidden", "a/.b", "%41", "A", "snake_case/with_under", "CON", "nul.txt",
                "quote\"and'apostrophe", "star*pipe|lt<gt>", "plus+equals=amp&", "tilde~%~hash", "état/..x/.y",
                "{tag}", "[bracket]", "semi;colon", "\u00e9 precomposed", "e\u0301 decomposed", "ﬁ ligature",
                "\uD83D\uDE00/\uFFFD");
    }
}
