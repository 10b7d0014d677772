package dvara.conformance;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Description;

/**
 * The integration guide's Spring AI examples with Spring AI 1.0.0-M6 (the last release with the guide's starter
 * name, spring-ai-openai-spring-boot-starter, and ChatClient's .functions(...)), run against Dvara by a Spring
 * Boot app without a web server: the guide's application.yml (src/main/resources), its ChatService, its
 * structured output, model switching and function calling code, each check recording the client's own
 * exception. Every snippet compiles as written (given the imports the guide leaves out).
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

    // ---- The guide's structured output type.
    record CityInfo(String name, String country, int population, List<String> landmarks) {}

    // ---- The guide's function calling bean and types.
    record WeatherRequest(String city) {}
    record WeatherResponse(String city, double temperature, String condition) {}

    @Bean
    @Description("Get the current weather for a location")
    public Function<WeatherRequest, WeatherResponse> getWeather() {
        return request -> {
            ToolLoop.called(); // not in the guide: see ToolLoop
            return new WeatherResponse(request.city(), 22.5, "Sunny");
        };
    }

    @Bean
    CommandLineRunner checks(ChatService chatService, ChatClient.Builder builder, @Value("${spring.ai.openai.base-url}") String baseUrl) {
        return args -> {
            ChatClient chatClient = builder.build();
            Results results = new Results();

            // Service class: chat() with the model from application.yml (gpt-4o), and "Switch models at
            // runtime" with OpenAiChatOptions for every provider's model.
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

            // Service class: streamChat() with the default model; other providers by the same Flux with options.
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

            // Structured output, as written (Spring AI asks for JSON in the prompt; no response_format is sent).
            results.check("structured output · openai", () -> {
                CityInfo city = chatClient.prompt()
                        .user("Tell me about Paris")
                        .call()
                        .entity(CityInfo.class);

                System.out.printf("%s, %s — pop: %,d%n", city.name(), city.country(), city.population());
                Results.expect(city.name() != null, "no name in " + city);
            });

            // Function calling, as written (default model gpt-4o), then the same through each translated provider.
            for (String provider : TRANSLATED) results.check("tools · " + provider, () -> {
                ToolLoop.reset();
                ChatClient.ChatClientRequestSpec prompt = chatClient.prompt().user("What's the weather in Tokyo?");
                if (!provider.equals("openai")) prompt = prompt.options(OpenAiChatOptions.builder().model(MODELS.get(provider)).build());
                String response = prompt
                        .functions("getWeather")
                        .call()
                        .content();
                System.out.println(response);
                Results.expect(ToolLoop.calls() >= 1, "the model never called getWeather; answer: " + response);
                Results.expect(response != null && !response.isBlank(), "empty answer after the tool call");
            });

            // Troubleshooting: unknown model → 400 NO_PROVIDER, bad key → 401, in the client's exception.
            results.check("errors · any", () -> {
                String noProvider = failure(() -> chatClient.prompt().user("Hello!")
                        .options(OpenAiChatOptions.builder().model("xyz").build()).call().content());
                Results.expect(noProvider.contains("NO_PROVIDER"), "unknown model: the client's exception does not mention NO_PROVIDER: " + noProvider);
                ChatClient badKey = ChatClient.create(OpenAiChatModel.builder()
                        .openAiApi(new OpenAiApi(baseUrl, "mk-not-a-real-key"))
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
     * Not in the guide. Spring AI runs the tool loop itself: it calls the function, sends its result back and
     * repeats while the model asks for a tool. A model that asks again after every result would loop forever,
     * so the function stops the loop (with an Error, which Spring AI does not turn into a tool result) once it
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
