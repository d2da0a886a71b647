package dev.statestore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.InvalidStoreUrlException;
import org.junit.jupiter.api.Test;

class StoreUrlTest {

    @Test
    void takesApartAServerUrl() {
        StoreUrl url = StoreUrl.parse("postgresql://deploy:p%40ss%3Aword@db.internal:5433/state?schema=infra&sslmode=require");
        assertThat(url.scheme()).isEqualTo("postgresql");
        assertThat(url.user()).contains("deploy");
        assertThat(url.password()).contains("p@ss:word");
        assertThat(url.authority()).contains("db.internal:5433");
        assertThat(url.path()).isEqualTo("/state");
        StoreUrl.Options options = url.options();
        assertThat(options.string("schema", "public")).isEqualTo("infra");
        assertThat(options.string("sslmode", "prefer")).isEqualTo("require");
        options.finish();
    }

    @Test
    void jdbcUrlsHaveATwoPartScheme() {
        assertThat(StoreUrl.parse("jdbc:postgresql://h/db").scheme()).isEqualTo("jdbc:postgresql");
        assertThat(StoreUrl.parse("JDBC:PostgreSQL://h/db").scheme()).isEqualTo("jdbc:postgresql");
        assertThatThrownBy(() -> StoreUrl.parse("jdbc:")).isInstanceOf(InvalidStoreUrlException.class);
    }

    @Test
    void opaqueUrlsKeepTheirPath() {
        StoreUrl url = StoreUrl.parse("file:.alchemy");
        assertThat(url.scheme()).isEqualTo("file");
        assertThat(url.authority()).isEmpty();
        assertThat(url.path()).isEqualTo(".alchemy");
        assertThat(StoreUrl.parse("memory:").path()).isEmpty();
        assertThat(StoreUrl.parse("file:/tmp/my%20state").path()).isEqualTo("/tmp/my state");
    }

    @Test
    void secretsNeverShow() {
        StoreUrl url = StoreUrl.parse("redis://user:hunter2@host:6379/0?prefix=p&token=abc123&accessKeySecret=zzz");
        assertThat(url.toString()).doesNotContain("hunter2", "abc123", "zzz").contains("user", "host:6379", "prefix=p");
        StoreUrl.Options options = url.options();
        options.integer("token", 0, 0, 10);
        assertThatThrownBy(options::finish).isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageNotContaining("abc123").hasMessageNotContaining("hunter2").hasMessageNotContaining("zzz");
    }

    @Test
    void everyBadOptionIsNamedInOneMessage() {
        StoreUrl.Options options = StoreUrl.parse("s3://bucket/prefix?timeout=abc&retries=99&pathStyle=maybe&typo=1&other=2")
                .options();
        options.integer("timeout", 5, 1, 60);
        options.integer("retries", 3, 0, 10);
        options.bool("pathStyle", false);
        assertThatThrownBy(options::finish).isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("'timeout'").hasMessageContaining("'retries'")
                .hasMessageContaining("'pathStyle'").hasMessageContaining("typo").hasMessageContaining("other");
    }

    @Test
    void malformedUrlsAreRefused() {
        for (String bad : new String[] {"", "nothing", ":x", "9p://x", "file:x#frag", "s3://b/%zz", "s3://b?a=1&a=2"}) {
            assertThatThrownBy(() -> StoreUrl.parse(bad)).as(bad).isInstanceOf(InvalidStoreUrlException.class);
        }
    }
}
