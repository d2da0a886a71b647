package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.StateJson;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser: Debian's chromium, headless, driven through its chromedriver, against a server whose
 * file store holds Alchemy's own fixture and a generated 500-resource stack (replacements, a crashed deployment,
 * secrets). Screenshots go to {@code target/ui-screenshots/}.
 */
class UiBrowserTest {

    private static final String TOKEN = "ui-test-token";
    private static final String READ_TOKEN = "ui-read-only-token";
    private static final String SECRET = "sk-live-do-not-leak-4242";
    private static final int GENERATED = 500;

    private static Path root;
    private static StateStore store;
    private static StateServer server;
    private static String base;
    private static int downstreamEntries;

    private WebDriver browser;

    @BeforeAll
    static void seedAndServe() throws IOException {
        root = Files.createTempDirectory("statestore-ui-");
        Path stage = Files.createDirectories(root.resolve(".alchemy/state/MyApp/dev_sam"));
        try (Stream<Path> files = Files.list(AlchemyClientCompatibilityTest.fixture())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, stage.resolve(file.getFileName().toString()));
            }
        }
        store = StateStores.open("file:" + root.resolve(".alchemy"));
        StateScope app = store.scope("shop", "prod");
        DeploymentMeta.Initiator ci = new DeploymentMeta.Initiator("ci", "runner-7", 99L);
        DeploymentLease first = app.deployments().begin(DeploymentMeta.deploy(ci), Duration.ofMinutes(5));
        StateScope deploy = app.fenced(first.version());
        for (int i = 0; i < GENERATED; i++) {
            List<String> downstream = new ArrayList<>();
            // A layered graph: each resource feeds one or two of the next tier's.
            if (i + 7 < GENERATED) {
                downstream.add(name(i + 7));
            }
            if (i % 3 == 0 && i + 11 < GENERATED) {
                downstream.add(name(i + 11));
            }
            downstreamEntries += downstream.size();
            ResourceState.Builder record = ResourceState.builder(name(i), ResourceStatus.CREATED)
                    .resourceType(i % 2 == 0 ? "Cloudflare.Worker" : "AWS.SQS.Queue").downstream(downstream)
                    .props(StateJson.nodes().objectNode().put("index", i));
            if (i == 42) {
                record.attr(StateJson.nodes().objectNode().put("url", "https://api.example")
                        .set("apiKey", StateJson.nodes().objectNode().put("__redacted__", SECRET)));
            }
            deploy.create(record.build());
        }
        app.deployments().end(first.version(), first.token(), DeploymentOutcome.SUCCEEDED, null);
        // A second deploy replaces a few and crashes: its lease runs out with records left in progress.
        DeploymentLease crashed = app.deployments().begin(DeploymentMeta.deploy(ci), Duration.ofMillis(100));
        StateScope second = app.fenced(crashed.version());
        for (int i = 0; i < 5; i++) {
            ResourceState old = app.require(name(i)).value();
            second.put(old.toBuilder().status(ResourceStatus.REPLACED).previousGeneration(old).build());
        }
        second.put(app.require(name(42)).value().toBuilder().status(ResourceStatus.UPDATING).build());
        second.put(app.require(name(43)).value().toBuilder().status(ResourceStatus.CREATING).build());

        server = StateServer.start(store, ServerOptions.of(new InetSocketAddress("127.0.0.1", 0), TOKEN)
                .withReadToken(READ_TOKEN));
        base = "http://127.0.0.1:" + server.port();
    }

    private static String name(int i) {
        return "Shop/Tier" + (i / 50) + "/Res" + i;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--disable-gpu");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // Debian's driver, by path: Selenium Manager would try to download one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    private void signIn(String token) {
        browser.get(base + "/ui/");
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys(token);
        browser.findElement(By.cssSelector("#login-form button")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".stage-card")));
    }

    private void open(String hash, By ready) {
        browser.get(base + "/ui/" + hash);
        waiting().until(ExpectedConditions.presenceOfElementLocated(ready));
    }

    private void screenshot(String name) throws IOException {
        Path dir = Path.of("target", "ui-screenshots");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private List<String> consoleErrors() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
    }

    /** Every URL the page requested, from Chrome's network events. */
    private Set<String> requestedUrls() {
        Set<String> urls = new LinkedHashSet<>();
        for (LogEntry entry : browser.manage().logs().get(LogType.PERFORMANCE).getAll()) {
            try {
                var message = StateJson.parse(entry.getMessage()).path("message");
                if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                    urls.add(message.path("params").path("request").path("url").asText());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return urls;
    }

    private Object script(String js) {
        return ((JavascriptExecutor) browser).executeScript(js);
    }

    @Test
    void everyPageLoadsWithoutConsoleErrorsAndNothingIsFetchedFromElsewhere() throws IOException {
        signIn(TOKEN);
        assertThat(browser.findElements(By.cssSelector(".stage-card"))).hasSizeGreaterThanOrEqualTo(2);
        assertThat(browser.getPageSource()).contains("shop / prod", "MyApp / dev_sam");
        screenshot("stacks");

        open("#/s/shop/prod", By.cssSelector("#resources tbody tr"));
        assertThat(browser.findElement(By.id("table-info")).getText()).startsWith(GENERATED + " of " + GENERATED);
        assertThat(browser.findElements(By.cssSelector("#resources tr.intermediate"))).isNotEmpty();
        screenshot("stage");

        open("#/s/MyApp/dev_sam", By.cssSelector("#resources tbody tr"));
        open("#/r/shop/prod/" + java.net.URLEncoder.encode(name(0), java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20"), By.cssSelector("#document details"));
        assertThat(browser.findElement(By.cssSelector("details[data-field=old]")).getAttribute("open"))
                .as("the previous generation is folded").isNull();
        screenshot("resource");

        open("#/s/shop/prod/deployments", By.cssSelector("#deployments tbody tr"));
        assertThat(browser.findElements(By.cssSelector("#deployments tbody tr"))).hasSize(2);
        open("#/d/shop/prod/2", By.cssSelector("#deployment-diff"));
        assertThat(browser.findElement(By.id("deployment-diff")).getText()).contains("~ " + name(0));
        screenshot("deployment");

        assertThat(consoleErrors()).isEmpty();
        assertThat(requestedUrls()).isNotEmpty().allSatisfy(url -> assertThat(url).startsWith(base + "/"));
    }

    @Test
    void theTableFiltersByStatusAndText() {
        signIn(TOKEN);
        open("#/s/shop/prod", By.cssSelector("#resources tbody tr"));
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("replaced");
        List<WebElement> rows = browser.findElements(By.cssSelector("#resources tbody tr"));
        assertThat(rows).hasSize(5).allSatisfy(row -> assertThat(row.getText()).contains("replaced"));
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("");
        browser.findElement(By.id("filter")).sendKeys("Res42");
        assertThat(browser.findElements(By.cssSelector("#resources tbody tr"))).extracting(r -> r.getAttribute("data-fqn"))
                .containsExactlyInAnyOrder(name(42), name(420), name(421), name(422), name(423), name(424), name(425),
                        name(426), name(427), name(428), name(429));
        assertThat(consoleErrors()).isEmpty();
    }

    @Test
    void theGraphHasOneNodePerResourceAndOneEdgePerDownstreamEntry() throws IOException {
        signIn(TOKEN);
        open("#/s/shop/prod/graph", By.cssSelector("#graph canvas"));
        waiting().until(d -> script("return window.statestoreGraph !== undefined"));
        assertThat(((Number) script("return statestoreGraph.nodes('.resource').length")).intValue()).isEqualTo(GENERATED);
        assertThat(((Number) script("return statestoreGraph.edges().length")).intValue()).isEqualTo(downstreamEntries);
        assertThat(((Number) script("return statestoreGraph.nodes('.missing').length")).intValue()).isZero();
        screenshot("graph");
        script("statestoreGraph.getElementById('" + name(7) + "').emit('tap')");
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#document")));
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(name(7));
        assertThat(consoleErrors()).isEmpty();
    }

    @Test
    void aSecretNeverReachesTheBrowser() throws Exception {
        signIn(TOKEN);
        String fqn = java.net.URLEncoder.encode(name(42), java.nio.charset.StandardCharsets.UTF_8);
        open("#/r/shop/prod/" + fqn, By.cssSelector("#history table"));
        assertThat(browser.findElement(By.id("document")).getText()).contains("__redacted__", "(hidden)");
        new Select(browser.findElement(By.id("diff-from"))).selectByIndex(1);
        new Select(browser.findElement(By.id("diff-to"))).selectByIndex(0);
        browser.findElement(By.id("diff-show")).click();
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#diff-result li")));
        assertThat(browser.findElement(By.id("diff-result")).getText()).contains("/status");
        assertThat(browser.getPageSource()).doesNotContain(SECRET);

        HttpClient http = HttpClient.newHttpClient();
        List<String> fetched = requestedUrls().stream().filter(url -> url.startsWith(base + "/ui/")).toList();
        assertThat(fetched).anyMatch(url -> url.contains("/ui/api/") && url.contains("resource?fqn="));
        for (String url : fetched) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).as(url).doesNotContain(SECRET);
        }
    }

    @Test
    void theReadOnlyTokenViewsAndNeverWrites() throws Exception {
        signIn(READ_TOKEN);
        open("#/s/shop/prod", By.cssSelector("#resources tbody tr"));
        HttpClient http = HttpClient.newHttpClient();
        String resource = base + "/state/stacks/shop/stages/prod/resources/Probe";
        HttpResponse<String> write = http.send(HttpRequest.newBuilder(URI.create(resource))
                .header("Authorization", "Bearer " + READ_TOKEN).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"fqn\":\"Probe\",\"status\":\"created\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(write.body()).contains("read-only");
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(base + "/state/stacks"))
                .header("Authorization", "Bearer " + READ_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(200);
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(base + "/ui/api/stacks")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(store.scope("shop", "prod").get("Probe")).isEmpty();

        browser.findElement(By.id("signout")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys("wrong");
        browser.findElement(By.cssSelector("#login-form button")).click();
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
        assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN).doesNotContain(READ_TOKEN);
    }

    /** Measured and printed, not asserted: the stage page of 10,000 resources, from navigation to its table. */
    @Test
    void aStageOfTenThousandResourcesRendersItsTable() {
        StateScope big = store.scope("big", "prod");
        if (big.listAll().isEmpty()) {
            for (int i = 0; i < 10_000; i++) {
                big.put(ResourceState.builder("Big/R" + i, i % 97 == 0 ? ResourceStatus.CREATING : ResourceStatus.CREATED)
                        .resourceType("Test.Thing").build());
            }
        }
        signIn(TOKEN);
        long started = System.nanoTime();
        open("#/s/big/prod", By.cssSelector("#resources tbody tr"));
        long millis = (System.nanoTime() - started) / 1_000_000;
        @SuppressWarnings("unchecked")
        Map<String, Object> render = (Map<String, Object>) script("return window.statestoreRender");
        System.out.printf("ui: the stage page of 10,000 resources showed its table %d ms after navigation "
                + "(table render %.1f ms, %s rows shown)%n", millis, ((Number) render.get("millis")).doubleValue(),
                render.get("shown"));
        assertThat(((Number) render.get("rows")).intValue()).isEqualTo(10_000);
        assertThat(browser.findElements(By.cssSelector("#resources tbody tr"))).hasSize(200);
    }

}
