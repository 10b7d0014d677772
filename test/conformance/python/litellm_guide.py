"""The integration guide's LiteLLM examples, as written, against Dvara.

Only the guide's placeholders change: "http://localhost:8080/v1" → BASE_URL (DVARA_BASE_URL) and
"your-dvara-api-key" → KEY (DVARA_KEY). The "Environment variable approach" relies on OPENAI_API_BASE /
OPENAI_API_KEY, which the test exports like the guide's shell lines. Prints the cells' results (see _cells.py) as
the last stdout line.
"""
import asyncio
import os

import litellm

from _cells import check, expect, report

BASE_URL = os.environ["DVARA_BASE_URL"]
KEY = os.environ["DVARA_KEY"]
PROVIDER_OF = {"openai/gpt-4o": "openai", "openai/claude-sonnet-4-20250514": "anthropic", "openai/gemini-2.0-flash": "gemini"}


def answered(response) -> str:
    content = response.choices[0].message.content
    expect(isinstance(content, str) and content.strip(), f"expected a non-empty reply, got {content!r}")
    return content


with check("chat · openai", "Basic usage"):
    response = litellm.completion(
        model="openai/gpt-4o",  # provider/model format
        api_base=BASE_URL,
        api_key=KEY,
        messages=[{"role": "user", "content": "Hello via LiteLLM!"}],
    )

    print(response.choices[0].message.content)
    answered(response)

# Using different models through Dvara: the guide's loop, one cell per model.
# All requests go through Dvara regardless of model
for model in ["openai/gpt-4o", "openai/claude-sonnet-4-20250514", "openai/gemini-2.0-flash"]:
    with check(f"chat · {PROVIDER_OF[model]}", "Using different models through Dvara"):
        response = litellm.completion(
            model=model,
            api_base=BASE_URL,
            api_key=KEY,
            messages=[{"role": "user", "content": "Hello!"}],
        )
        print(f"{model}: {response.choices[0].message.content[:50]}")
        answered(response)

with check("chat · openai", "Environment variable approach (OPENAI_API_BASE / OPENAI_API_KEY)"):
    expect(os.environ.get("OPENAI_API_BASE") == BASE_URL, "the test must export OPENAI_API_BASE")
    response = litellm.completion(model="openai/gpt-4o", messages=[{"role": "user", "content": "Hello from env!"}])
    answered(response)

with check("chat · openai", "litellm.acompletion"):
    async def main():
        response = await litellm.acompletion(
            model="openai/gpt-4o", api_base=BASE_URL, api_key=KEY, messages=[{"role": "user", "content": "Hello async!"}])
        answered(response)

    asyncio.run(main())

for model in ["openai/gpt-4o", "openai/claude-sonnet-4-20250514", "openai/gemini-2.0-flash"]:
    with check(f"stream · {PROVIDER_OF[model]}", "completion(stream=True)"):
        response = litellm.completion(
            model=model,
            api_base=BASE_URL,
            api_key=KEY,
            messages=[{"role": "user", "content": "Write a haiku about APIs."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        text, usage = "", None
        for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
            if getattr(chunk, "usage", None):
                usage = chunk.usage
        print(f"{model}: {text}")
        expect(text.strip(), "the stream carried no text")
        expect(usage is not None and usage.total_tokens > 0, f"expected usage at the end of the stream, got {usage!r}")

report()
