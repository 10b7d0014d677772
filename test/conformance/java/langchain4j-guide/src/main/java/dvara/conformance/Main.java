package dvara.conformance;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The integration guide's LangChain4j examples (Java SDKs › LangChain4j, and the Java line of "Using Dvara
 * Headers"), with the guide's dependency version (langchain4j-open-ai 1.0.0-beta1), run against Dvara. Each
 * example is the guide's code with "http://localhost:8080/v1" and "your-dvara-api-key" taken from
 * DVARA_BASE_URL and DVARA_KEY, and the guide's model name swapped for each provider's where a cell is per
 * provider. Where the guide's code does not compile with 1.0.0-beta1 the nearest code that does is used, and
 * the comment there says what changed.
 */
public final class Main {
    static final String BASE_URL = env("DVARA_BASE_URL");
    static final String API_KEY = env("DVARA_KEY");

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

    // The guide's AI Services types.
    interface MovieExpert {
        @dev.langchain4j.service.UserMessage("Review the movie: {{movie}}")
        MovieReview review(@dev.langchain4j.service.V("movie") String movie);
    }

    record MovieReview(String title, double rating, String summary) {}

    public static void main(String[] args) {
        Results results = new Results();
        MODELS.forEach((provider, model) -> results.check("chat · " + provider, () -> chat(model)));
        MODELS.forEach((provider, model) -> results.check("stream · " + provider, () -> stream(model)));
        results.check("structured output · openai", Main::structuredOutput);
        results.check("headers · openai", Main::traceHeader);
        results.check("errors · any", Main::errors);
        results.printAndExit();
    }

    /** Basic chat (and "Using Claude via Dvara", which is the same code with another model name). */
    static void chat(String modelName) {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(BASE_URL)
                .apiKey(API_KEY)
                .modelName(modelName)
                .build();

        String response = model.chat("What is the capital of Germany?");
        System.out.println(response);
        Results.expect(response != null && !response.isBlank(), "empty answer: " + response);
    }

    /** Streaming. */
    static void stream(String modelName) throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .baseUrl(BASE_URL)
                .apiKey(API_KEY)
                .modelName(modelName)
                .build();

        StringBuilder partials = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("Write a haiku about Java.", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                System.out.print(partialResponse);
                partials.append(partialResponse);
            }

            // The guide has `onCompleteResponse(String completeResponse)`, which does not compile: in
            // 1.0.0-beta1 (and every release since) the method takes a ChatResponse.
            @Override
            public void onCompleteResponse(ChatResponse completeResponse) {
                System.out.println("\n--- Done ---");
                done.complete(completeResponse);
            }

            @Override
            public void onError(Throwable error) {
                error.printStackTrace();
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);
        String text = response.aiMessage().text();
        Results.expect(partials.length() > 0, "no partial responses");
        Results.expect(partials.toString().equals(text), "partials \"" + partials + "\" differ from the complete response \"" + text + "\"");
    }

    /** With AI Services (structured output), exactly as the guide has it, responseFormat("json") included. */
    static void structuredOutput() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(BASE_URL)
                .apiKey(API_KEY)
                .modelName("gpt-4o")
                .responseFormat("json")
                .build();

        MovieExpert expert = AiServices.create(MovieExpert.class, model);
        MovieReview review = expert.review("Inception");
        System.out.printf("%s: %.1f/10 - %s%n", review.title(), review.rating(), review.summary());
        Results.expect(review.title() != null && review.summary() != null, "review without title or summary: " + review);
    }

    /** Using Dvara Headers › Trace ID, the Java (LangChain4j) line; the test checks the header arrived upstream. */
    static void traceHeader() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(BASE_URL)
                .apiKey(API_KEY)
                .modelName("gpt-4o")
                .customHeaders(Map.of("X-Trace-ID", "my-trace-123"))
                .build();
        String response = model.chat("Hello");
        Results.expect(response != null && !response.isBlank(), "empty answer: " + response);
    }

    /** Troubleshooting: an unknown model is 400 NO_PROVIDER, a bad key 401; the client's exception must say so. */
    static void errors() {
        String noProvider = failure(OpenAiChatModel.builder().baseUrl(BASE_URL).apiKey(API_KEY).modelName("xyz").maxRetries(0).build());
        Results.expect(noProvider.contains("NO_PROVIDER"), "unknown model: the client's exception does not mention NO_PROVIDER: " + noProvider);
        String badKey = failure(OpenAiChatModel.builder().baseUrl(BASE_URL).apiKey("mk-not-a-real-key").modelName("gpt-4o").maxRetries(0).build());
        Results.expect(badKey.contains("401") || badKey.contains("UNAUTHORIZED"), "bad key: the client's exception does not show a 401: " + badKey);
    }

    static String failure(OpenAiChatModel model) {
        try {
            String answer = model.chat("Hello");
            throw new AssertionError("expected an exception, got an answer: " + answer);
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            String described = Results.describe(e);
            System.out.println(described);
            // beta1's OpenAiHttpException carries the status in code() and the body in its message.
            if (e instanceof dev.ai4j.openai4j.OpenAiHttpException http) return "HTTP " + http.code() + ": " + described;
            return described;
        }
    }

    static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) throw new IllegalStateException(name + " is not set");
        return value;
    }
}
