package dvara.conformance;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The integration guide's Spring AI examples written the way the latest Spring AI 1.x release on Maven Central
 * (see pom.xml) does them, run against Dvara by a Spring Boot app without a web server. Unchanged from the
 * guide: application.yml (base-url ending in /v1), ChatService, model switching with OpenAiChatOptions. Current
 * idiom instead of the guide's code: the starter is spring-ai-starter-model-openai; function calling uses a
 * @Tool method and .tools(...) (.functions(...) was removed in 1.0.0); structured output adds
 * AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT (1.1) so the schema goes to the provider as response_format
 * json_schema rather than only as instructions in the prompt.
 */
@SpringBootApplication
public class Main {

    public static void main(String[] args) {
        SpringApplication.run(Main.class, args);
    }

    /** The guide's model name for each provider (test/conformance/harness.ts GUIDE_MODELS). */
    static final Map<String, String> MODELS = new LinkedHashMap<>();
    static {
        MODELS.put("openai", "gpt-4o");
        MODELS.put("anthropic", "claude-sonnet-4-20250514");
        MODELS.put("gemini", "gemini-2.0-flash");
        MODELS.put("bedrock", "bedrock/anthropic.claude-3-sonnet-20240229-v1:0");
        MODELS.put("qwen", "qwen-plus");
        MODELS.put("qianfan", "ernie-4.0");
        MODELS.put("zhipu", "glm-4");
        MODELS.put("deepseek", "deepseek-chat");
        MODELS.put("moonshot", "moonshot-v1-8k");
    }

    /** Providers that Dvara translates (not OpenAI-compatible upstreams), plus OpenAI itself. */
    static final List<String> TRANSLATED = List.of("openai", "anthropic", "gemini", "bedrock");

    record CityInfo(String name, String country, int population, List<String> landmarks) {}

    record WeatherResponse(String city, double temperature, String condition) {}

    /** The guide's getWeather function as a @Tool method, the 1.0+ idiom. */
    static class WeatherTools {
        @Tool(description = "Get the current weather for a location")
        WeatherResponse getWeather(String city) {
            ToolLoop.called(); // not in the guide: see ToolLoop
            return new WeatherResponse(city, 22.5, "Sunny");
        }
    }

    @Bean
    CommandLineRunner checks(ChatService chatService, ChatClient.Builder builder, @Value("${spring.ai.openai.base-url}") String baseUrl) {
        return args -> {
            ChatClient chatClient = builder.build();
            Results results = new Results();

            MODELS.forEach((provider, model) -> results.check("chat · " + provider, () -> {
                if (provider.equals("openai")) {
                    String answer = chatService.chat("What is the capital of Germany?");
                    Results.expect(answer != null && !answer.isBlank(), "empty answer from ChatService.chat: " + answer);
                }
                String answer = chatClient.prompt()
                        .user("Hello!")
                        .options(OpenAiChatOptions.builder().model(model).build())
                        .call()
                        .content();
                Results.expect(answer != null && !answer.isBlank(), "empty answer: " + answer);
            }));

            MODELS.forEach((provider, model) -> results.check("stream · " + provider, () -> {
                List<String> pieces = provider.equals("openai")
                        ? chatService.streamChat("Write a haiku about Java.").collectList().block(Duration.ofSeconds(60))
                        : chatClient.prompt()
                                .user("Write a haiku about Java.")
                                .options(OpenAiChatOptions.builder().model(model).build())
                                .stream()
                                .content()
                                .collectList()
                                .block(Duration.ofSeconds(60));
                Results.expect(pieces != null && pieces.size() > 1, "expected several streamed pieces, got " + pieces);
                Results.expect(!String.join("", pieces).isBlank(), "streamed nothing but blanks: " + pieces);
            }));

            for (String provider : TRANSLATED) results.check("structured output · " + provider, () -> {
                CityInfo city = chatClient.prompt()
                        .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT)
                        .options(OpenAiChatOptions.builder().model(MODELS.get(provider)).build())
                        .user("Tell me about Paris")
                        .call()
                        .entity(CityInfo.class);

                System.out.printf("%s, %s — pop: %,d%n", city.name(), city.country(), city.population());
                Results.expect(city.name() != null && city.landmarks() != null, "no name or landmarks in " + city);
            });

            for (String provider : TRANSLATED) results.check("tools · " + provider, () -> {
                ToolLoop.reset();
                ChatClient.ChatClientRequestSpec prompt = chatClient.prompt().user("What's the weather in Tokyo?");
                if (!provider.equals("openai")) prompt = prompt.options(OpenAiChatOptions.builder().model(MODELS.get(provider)).build());
                String response = prompt
                        .tools(new WeatherTools())
                        .call()
                        .content();
                System.out.println(response);
                Results.expect(ToolLoop.calls() >= 1, "the model never called getWeather; answer: " + response);
                Results.expect(response != null && !response.isBlank(), "empty answer after the tool call");
            });

            results.check("errors · any", () -> {
                String noProvider = failure(() -> chatClient.prompt().user("Hello!")
                        .options(OpenAiChatOptions.builder().model("xyz").build()).call().content());
                Results.expect(noProvider.contains("NO_PROVIDER"), "unknown model: the client's exception does not mention NO_PROVIDER: " + noProvider);
                ChatClient badKey = ChatClient.create(OpenAiChatModel.builder()
                        .openAiApi(OpenAiApi.builder().baseUrl(baseUrl).apiKey("mk-not-a-real-key").build())
                        .defaultOptions(OpenAiChatOptions.builder().model("gpt-4o").build())
                        .build());
                String unauthorized = failure(() -> badKey.prompt().user("Hello!").call().content());
                Results.expect(unauthorized.contains("401"), "bad key: the client's exception does not show a 401: " + unauthorized);
            });

            results.printAndExit();
        };
    }

    static String failure(java.util.function.Supplier<String> call) {
        try {
            String answer = call.get();
            throw new AssertionError("expected an exception, got an answer: " + answer);
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            String described = Results.describe(e);
            System.out.println(described);
            return described;
        }
    }

    /**
     * Not in the guide. Spring AI runs the tool loop itself: it calls the tool, sends its result back and repeats
     * while the model asks for a tool. A model that asks again after every result would loop forever, so the
     * tool stops the loop (with an Error, which Spring AI rethrows instead of sending it to the model) once it
     * has been called more often than one question needs.
     */
    static final class ToolLoop extends Error {
        private static final AtomicInteger CALLS = new AtomicInteger();
        static final int LIMIT = 3;

        ToolLoop(int calls) {
            super("the model asked for getWeather " + calls + " times in a row, each time after getting its result; stopping the tool loop");
        }

        static void reset() {
            CALLS.set(0);
        }

        static int calls() {
            return CALLS.get();
        }

        static void called() {
            int calls = CALLS.incrementAndGet();
            if (calls > LIMIT) throw new ToolLoop(calls);
        }
    }
}
