package dvara.conformance;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The matrix cells this program checked, printed as one JSON line (the last line of stdout) that
 * test/conformance/cells.ts reads: {"<capability> · <provider>": {"ok": true} | {"ok": false, "error": "..."}}.
 * A failing check records the client's own exception (class and message, then its causes).
 */
final class Results {
    interface Check {
        void run() throws Exception;
    }

    private final Map<String, String> errors = new LinkedHashMap<>(); // cell -> null (ok) or error

    void check(String cell, Check check) {
        try {
            check.run();
            errors.put(cell, null);
            System.err.println("ok   " + cell);
        } catch (Throwable t) {
            errors.put(cell, describe(t));
            System.err.println("FAIL " + cell + ": " + describe(t));
        }
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 2000; c = c.getCause() == c ? null : c.getCause()) {
            if (sb.length() > 0) sb.append(" <- caused by ");
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }

    /** Prints the results and ends the program (HTTP clients may leave non-daemon threads behind). */
    void printAndExit() {
        StringBuilder sb = new StringBuilder("{");
        errors.forEach((cell, error) -> {
            if (sb.length() > 1) sb.append(',');
            sb.append(json(cell)).append(':').append(error == null ? "{\"ok\":true}" : "{\"ok\":false,\"error\":" + json(error) + "}");
        });
        System.out.println();
        System.out.println(sb.append('}'));
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    private static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Fails a check with a message of ours when the client returned without an exception but wrongly. */
    static void expect(boolean condition, String message) {
        if (!condition) throw new AssertionError(message);
    }
}
