"""The integration guide's OpenAI Python SDK examples, as written, against Dvara.

The guide's code is copied below with only its placeholders replaced: "http://localhost:8080/v1" → BASE_URL
(DVARA_BASE_URL) and "your-dvara-api-key" → KEY (DVARA_KEY). The "Environment variable approach" relies on
OPENAI_BASE_URL / OPENAI_API_KEY, which the test exports like the guide's shell lines. Prints the cells' results
(see _cells.py) as the last stdout line.
"""
import asyncio
import json
import os

from pydantic import BaseModel

import openai
from openai import AsyncOpenAI, OpenAI

from _cells import check, expect, report

BASE_URL = os.environ["DVARA_BASE_URL"]
KEY = os.environ["DVARA_KEY"]

# The guide's model name for each provider (test/conformance/harness.ts GUIDE_MODELS).
MODELS = {
    "openai": "gpt-4o",
    "anthropic": "claude-sonnet-4-20250514",
    "gemini": "gemini-2.0-flash",
    "bedrock": "bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
    "qwen": "qwen-plus",
    "qianfan": "ernie-4.0",
    "zhipu": "glm-4",
    "deepseek": "deepseek-chat",
    "moonshot": "moonshot-v1-8k",
}


def answered(response) -> str:
    """The reply text of a chat completion, which must be a non-empty string."""
    content = response.choices[0].message.content
    expect(isinstance(content, str) and content.strip(), f"expected a non-empty reply, got {content!r}")
    return content


client = OpenAI(
    base_url=BASE_URL,
    api_key=KEY,
)

# ---- chat · <provider>: the guide's "Basic chat completion" and each provider's example -----------------------
with check("chat · openai", "Basic chat completion"):
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Explain quantum computing in one paragraph."},
        ],
        max_tokens=256,
    )

    print(response.choices[0].message.content)
    answered(response)
    expect(response.usage and response.usage.total_tokens > 0, f"expected usage, got {response.usage!r}")

with check("chat · openai", "Async client"):
    async def main():
        client = AsyncOpenAI(
            base_url=BASE_URL,
            api_key=KEY,
        )

        response = await client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "Hello async!"}],
        )
        print(response.choices[0].message.content)
        answered(response)

    asyncio.run(main())

with check("chat · openai", "Environment variable approach"):
    expect(os.environ.get("OPENAI_BASE_URL") == BASE_URL, "the test must export OPENAI_BASE_URL")
    # No base_url needed — SDK reads from environment
    env_client = OpenAI()
    answered(env_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello from env!"}]))

with check("chat · anthropic", "Using Claude via Dvara (same SDK)"):
    # No SDK change — just switch the model name
    response = client.chat.completions.create(
        model="claude-sonnet-4-20250514",
        messages=[{"role": "user", "content": "Hello from Anthropic via Dvara!"}],
    )
    answered(response)

with check("chat · anthropic", "Anthropic Python: Using OpenAI SDK (recommended)"):
    response = client.chat.completions.create(
        model="claude-sonnet-4-20250514",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Explain the Rust ownership model."},
        ],
        max_tokens=512,
    )
    answered(response)

with check("chat · gemini", "Using Gemini via Dvara (same SDK)"):
    response = client.chat.completions.create(
        model="gemini-2.0-flash",
        messages=[{"role": "user", "content": "Hello from Google via Dvara!"}],
    )
    answered(response)

with check("chat · gemini", "Google GenAI: After (via Dvara)"):
    response = client.chat.completions.create(
        model="gemini-2.0-flash",
        messages=[{"role": "user", "content": "Explain how AI works"}],
    )
    answered(response)

with check("chat · bedrock", "AWS Bedrock: After (via Dvara)"):
    response = client.chat.completions.create(
        model="bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
        messages=[{"role": "user", "content": "Hello from Bedrock via Dvara!"}],
    )
    answered(response)

with check("chat · qwen", "Alibaba Qwen / DashScope"):
    response = client.chat.completions.create(
        model="qwen-plus",
        messages=[{"role": "user", "content": "你好,请介绍一下你自己。"}],
    )
    print(response.choices[0].message.content)
    answered(response)

with check("chat · qianfan", "Baidu ERNIE / Wenxin"):
    response = client.chat.completions.create(
        model="ernie-4.0",
        messages=[{"role": "user", "content": "请用中文解释机器学习。"}],
    )
    answered(response)

with check("chat · zhipu", "Zhipu AI / ChatGLM"):
    response = client.chat.completions.create(
        model="glm-4",
        messages=[{"role": "user", "content": "What are the applications of deep learning?"}],
    )
    answered(response)

with check("chat · deepseek", "DeepSeek"):
    response = client.chat.completions.create(
        model="deepseek-chat",
        messages=[{"role": "user", "content": "Explain transformer architecture."}],
    )
    answered(response)

with check("chat · moonshot", "Moonshot AI (Kimi)"):
    response = client.chat.completions.create(
        model="moonshot-v1-8k",
        messages=[{"role": "user", "content": "Write a poem about the Great Wall."}],
    )
    answered(response)

# ---- stream · <provider>: the guide's "Streaming" loop as written, then with stream_options include_usage ------
for provider, model in MODELS.items():
    with check(f"stream · {provider}", "Streaming"):
        stream = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Write a haiku about APIs."}],
            stream=True,
        )

        text = ""
        for chunk in stream:
            if chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="")
                text += chunk.choices[0].delta.content
        print()
        expect(text.strip(), "the stream carried no text")

    with check(f"stream · {provider}", "Streaming with stream_options include_usage"):
        stream = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "Write a haiku about APIs."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        text, usage, finish = "", None, None
        for chunk in stream:
            # With include_usage the last chunk has no choices, only usage.
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
                finish = chunk.choices[0].finish_reason or finish
            if chunk.usage:
                usage = chunk.usage
        expect(text.strip(), "the stream carried no text")
        expect(finish == "stop", f"expected finish_reason 'stop', got {finish!r}")
        expect(usage is not None and usage.total_tokens > 0, f"expected a usage chunk, got {usage!r}")

# ---- structured output · <provider>: the guide's json_schema example, and the SDK's parse() with Pydantic -------


class Planet(BaseModel):
    name: str
    diameter_km: int


class Planets(BaseModel):
    planets: list[Planet]


for provider in ("openai", "anthropic", "gemini", "bedrock"):
    model = MODELS[provider]
    with check(f"structured output · {provider}", "Structured output (JSON schema)"):
        response = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "List 3 planets with their diameter in km."}],
            response_format={
                "type": "json_schema",
                "json_schema": {
                    "name": "planets",
                    "strict": True,
                    "schema": {
                        "type": "object",
                        "properties": {
                            "planets": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "name": {"type": "string"},
                                        "diameter_km": {"type": "integer"},
                                    },
                                    "required": ["name", "diameter_km"],
                                },
                            }
                        },
                        "required": ["planets"],
                    },
                },
            },
        )
        data = json.loads(answered(response))
        Planets.model_validate(data)

    with check(f"structured output · {provider}", "client.chat.completions.parse(response_format=<Pydantic model>)"):
        completion = client.chat.completions.parse(
            model=model,
            messages=[{"role": "user", "content": "List 3 planets with their diameter in km."}],
            response_format=Planets,
        )
        parsed = completion.choices[0].message.parsed
        expect(isinstance(parsed, Planets), f"expected a parsed Planets, got {parsed!r}")
        expect(len(parsed.planets) >= 1, f"expected planets, got {parsed!r}")

# ---- tools · <provider>: the guide's tool call, its round trip (tool result sent back), and a streamed call ------
tools = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name"},
                },
                "required": ["city"],
            },
        },
    }
]

for provider in ("openai", "anthropic", "gemini", "bedrock"):
    model = MODELS[provider]
    response = tool_call = None
    with check(f"tools · {provider}", "Tool calls / function calling"):
        response = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "What's the weather in Tokyo?"}],
            tools=tools,
            tool_choice="auto",
        )

        # Check if the model wants to call a function
        if response.choices[0].message.tool_calls:
            tool_call = response.choices[0].message.tool_calls[0]
            print(f"Function: {tool_call.function.name}")
            print(f"Arguments: {tool_call.function.arguments}")
        expect(response.choices[0].message.tool_calls, f"expected a tool call, got {response.choices[0].message!r}")
        expect(tool_call.function.name == "get_weather", f"expected get_weather, got {tool_call.function.name!r}")
        expect(isinstance(json.loads(tool_call.function.arguments).get("city"), str), f"bad arguments {tool_call.function.arguments!r}")
        expect(response.choices[0].finish_reason == "tool_calls", f"expected finish_reason tool_calls, got {response.choices[0].finish_reason!r}")

    with check(f"tools · {provider}", "tool result round trip"):
        expect(tool_call is not None, "no tool call to answer")
        messages = [
            {"role": "user", "content": "What's the weather in Tokyo?"},
            response.choices[0].message,
            {"role": "tool", "tool_call_id": tool_call.id, "content": json.dumps({"city": "Tokyo", "forecast": "sunny, 22°C"})},
        ]
        followup = client.chat.completions.create(model=model, messages=messages, tools=tools)
        expect(followup.choices[0].finish_reason == "stop", f"expected a final answer, got {followup.choices[0]!r}")
        answered(followup)

    with check(f"tools · {provider}", "streamed tool call"):
        stream = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "What's the weather in Tokyo?"}],
            tools=tools,
            stream=True,
        )
        name, arguments, finish = None, "", None
        for chunk in stream:
            if not chunk.choices:
                continue
            for delta in chunk.choices[0].delta.tool_calls or []:
                name = delta.function.name if delta.function and delta.function.name else name
                arguments += (delta.function.arguments or "") if delta.function else ""
            finish = chunk.choices[0].finish_reason or finish
        expect(name == "get_weather", f"expected get_weather, got {name!r}")
        expect(isinstance(json.loads(arguments).get("city"), str), f"bad streamed arguments {arguments!r}")
        expect(finish == "tool_calls", f"expected finish_reason tool_calls, got {finish!r}")

# ---- embeddings · openai: the guide's example (the SDK asks for base64 by default and decodes it) -------------
with check("embeddings · openai", "Embeddings"):
    response = client.embeddings.create(
        model="text-embedding-3-small",
        input="The quick brown fox jumps over the lazy dog.",
    )

    print(f"Dimensions: {len(response.data[0].embedding)}")
    vector = response.data[0].embedding
    expect(len(vector) > 0 and all(isinstance(x, float) for x in vector), f"expected floats, got {vector!r}")

with check("embeddings · openai", "Embeddings with encoding_format='float' and a batch"):
    response = client.embeddings.create(
        model="text-embedding-3-small",
        input=["first", "second"],
        encoding_format="float",
    )
    expect([d.index for d in response.data] == [0, 1], f"expected 2 embeddings, got {response.data!r}")
    expect(all(len(d.embedding) > 0 for d in response.data), "empty embedding")

# ---- headers · any: the guide's X-Trace-ID and X-Session-Id -------------------------------------------------
with check("headers · any", "Trace ID (extra_headers X-Trace-ID)"):
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Hello"}],
        extra_headers={"X-Trace-ID": "my-trace-123"},
    )
    answered(response)
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Hello"}],
        extra_headers={"X-Trace-ID": "my-trace-123"},
    )
    expect(raw.headers.get("x-trace-id") == "my-trace-123", f"expected x-trace-id my-trace-123 back, got {raw.headers.get('x-trace-id')!r}")
    answered(raw.parse())

with check("headers · any", "Session ID (extra_headers X-Session-Id)"):
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Continue our conversation"}],
        extra_headers={"X-Session-Id": "agent-session-456"},
    )
    answered(response)

# ---- errors · any: the guide's troubleshooting codes, as the SDK raises them ------------------------------------
with check("errors · any", "400 NO_PROVIDER for an unknown model"):
    try:
        client.chat.completions.create(model="xyz", messages=[{"role": "user", "content": "Hello"}])
        raise AssertionError("an unknown model was answered")
    except openai.BadRequestError as e:
        expect(e.status_code == 400, f"expected 400, got {e.status_code}")
        code = e.body.get("code") if isinstance(e.body, dict) else None
        expect(code == "NO_PROVIDER", f"expected code NO_PROVIDER, got body {e.body!r}")

with check("errors · any", "401 UNAUTHORIZED for a bad key"):
    try:
        OpenAI(base_url=BASE_URL, api_key="mk-not-a-real-key").chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Hello"}])
        raise AssertionError("a bad key was accepted")
    except openai.AuthenticationError as e:
        expect(e.status_code == 401, f"expected 401, got {e.status_code}")
        code = e.body.get("code") if isinstance(e.body, dict) else None
        expect(code == "UNAUTHORIZED", f"expected code UNAUTHORIZED, got body {e.body!r}")

report()
