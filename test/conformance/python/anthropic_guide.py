"""The guide's Anthropic Python SDK route: existing Anthropic SDK code pointed at Dvara with base_url.

The guide's quick reference says "Anthropic SDK · Python · base_url + model prefix" and the Anthropic section says to
point the SDK at Dvara's base URL; it shows no Anthropic-SDK code of its own, so these are the SDK's standard calls
(messages.create, the messages.stream helper, tool use with a tool_result round trip) with base_url=DVARA_URL (the SDK
appends /v1/messages itself) and api_key=DVARA_KEY. Prints the cells' results (see _cells.py) as the last line.
"""
import os

import anthropic

from _cells import check, expect, report

URL = os.environ["DVARA_URL"]
KEY = os.environ["DVARA_KEY"]
MODEL = "claude-sonnet-4-20250514"

client = anthropic.Anthropic(base_url=URL, api_key=KEY)


def text_of(message) -> str:
    text = "".join(b.text for b in message.content if b.type == "text")
    expect(text.strip(), f"expected text content, got {message.content!r}")
    return text


with check("chat · anthropic", "messages.create"):
    message = client.messages.create(
        model=MODEL,
        max_tokens=512,
        system="You are a helpful assistant.",
        messages=[{"role": "user", "content": "Explain the Rust ownership model."}],
    )
    print(text_of(message))
    expect(message.role == "assistant" and message.stop_reason == "end_turn", f"unexpected message {message!r}")
    expect(message.usage.input_tokens > 0 and message.usage.output_tokens > 0, f"expected usage, got {message.usage!r}")

with check("chat · anthropic", "AsyncAnthropic messages.create"):
    import asyncio

    async def main():
        async_client = anthropic.AsyncAnthropic(base_url=URL, api_key=KEY)
        message = await async_client.messages.create(
            model=MODEL, max_tokens=256, messages=[{"role": "user", "content": "Hello async!"}])
        text_of(message)

    asyncio.run(main())

with check("stream · anthropic", "messages.stream helper"):
    with client.messages.stream(
        model=MODEL,
        max_tokens=256,
        messages=[{"role": "user", "content": "Write a haiku about APIs."}],
    ) as stream:
        text = ""
        for piece in stream.text_stream:
            print(piece, end="", flush=True)
            text += piece
        print()
        final = stream.get_final_message()
    expect(text.strip(), "the stream carried no text")
    expect(final.stop_reason == "end_turn", f"expected stop_reason end_turn, got {final.stop_reason!r}")
    expect(final.usage.output_tokens > 0, f"expected output usage, got {final.usage!r}")

with check("stream · anthropic", "messages.create(stream=True) events"):
    events = client.messages.create(
        model=MODEL, max_tokens=256, stream=True, messages=[{"role": "user", "content": "Hello"}])
    kinds = [event.type for event in events]
    expect(kinds[0] == "message_start" and kinds[-1] == "message_stop", f"unexpected event sequence {kinds!r}")
    expect("content_block_delta" in kinds, f"no content_block_delta in {kinds!r}")

tools = [
    {
        "name": "get_weather",
        "description": "Get current weather for a city",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    }
]

with check("tools · anthropic", "tool use and tool_result round trip"):
    question = {"role": "user", "content": "What's the weather in Tokyo?"}
    message = client.messages.create(model=MODEL, max_tokens=512, tools=tools, messages=[question])
    calls = [b for b in message.content if b.type == "tool_use"]
    expect(message.stop_reason == "tool_use" and calls, f"expected a tool_use, got {message.content!r}")
    expect(calls[0].name == "get_weather" and isinstance(calls[0].input.get("city"), str), f"bad tool_use {calls[0]!r}")
    followup = client.messages.create(
        model=MODEL,
        max_tokens=512,
        tools=tools,
        messages=[
            question,
            {"role": "assistant", "content": message.content},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": calls[0].id, "content": "sunny, 22°C"}]},
        ],
    )
    text_of(followup)

with check("tools · anthropic", "streamed tool use"):
    with client.messages.stream(model=MODEL, max_tokens=512, tools=tools,
                                messages=[{"role": "user", "content": "What's the weather in Tokyo?"}]) as stream:
        final = stream.get_final_message()
    calls = [b for b in final.content if b.type == "tool_use"]
    expect(final.stop_reason == "tool_use" and calls, f"expected a tool_use, got {final.content!r}")
    expect(isinstance(calls[0].input.get("city"), str), f"bad streamed tool input {calls[0].input!r}")

with check("errors · any", "bad key → AuthenticationError 401"):
    try:
        anthropic.Anthropic(base_url=URL, api_key="mk-not-a-real-key").messages.create(
            model=MODEL, max_tokens=16, messages=[{"role": "user", "content": "Hello"}])
        raise AssertionError("a bad key was accepted")
    except anthropic.AuthenticationError as e:
        expect(e.status_code == 401, f"expected 401, got {e.status_code}")

report()
