"""The integration guide's Pydantic AI examples against Dvara, in the idiom of the installed pydantic-ai.

requirements-guide.txt pins the newest release on which the guide's code runs exactly as written
(`OpenAIModel("gpt-4o", base_url=..., api_key=...)`, `Agent(model, result_type=...)`, `result.data`); there this
program runs the guide's code with only its placeholders replaced: "http://localhost:8080/v1" → BASE_URL
(DVARA_BASE_URL) and "your-dvara-api-key" → KEY (DVARA_KEY). requirements-latest.txt pins the newest release, where
those names are gone; there it runs the same examples in the current idiom: `OpenAIChatModel(name,
provider=OpenAIProvider(base_url=..., api_key=...))`, `output_type=`, `result.output`.

The guide's examples use gpt-4o; each also runs with the guide's Claude, Gemini and Bedrock model names (one cell per
provider). Prints the cells' results (see _cells.py) as the last stdout line.
"""
import asyncio
import os
import sys
from importlib.metadata import version

from pydantic import BaseModel

from _cells import check, expect, report

BASE_URL = os.environ["DVARA_BASE_URL"]
KEY = os.environ["DVARA_KEY"]
MODELS = {
    "openai": "gpt-4o",
    "anthropic": "claude-sonnet-4-20250514",
    "gemini": "gemini-2.0-flash",
    "bedrock": "bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
}
GUIDE_IDIOM = version("pydantic-ai-slim").startswith("0.0.")

if GUIDE_IDIOM:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIModel

    def make_model(name: str):
        model = OpenAIModel(
            name,
            base_url=BASE_URL,
            api_key=KEY,
        )
        return model

    def make_agent(model, output=None, **kwargs):
        return Agent(model, result_type=output, **kwargs) if output else Agent(model, **kwargs)

    def output_of(result):
        return result.data
else:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    def make_model(name: str):
        return OpenAIChatModel(name, provider=OpenAIProvider(base_url=BASE_URL, api_key=KEY))

    def make_agent(model, output=None, **kwargs):
        return Agent(model, output_type=output, **kwargs) if output else Agent(model, **kwargs)

    def output_of(result):
        return result.output


class CityInfo(BaseModel):
    name: str
    country: str
    population: int
    famous_for: list[str]


for provider, name in MODELS.items():
    model = make_model(name)

    with check(f"chat · {provider}", "Basic usage"):
        agent = make_agent(model)

        result = agent.run_sync("What is the capital of Japan?")
        print(output_of(result))
        answer = output_of(result)
        expect(isinstance(answer, str) and answer.strip(), f"expected a non-empty answer, got {answer!r}")

    with check(f"stream · {provider}", "Agent.run_stream"):
        async def stream():
            agent = make_agent(model)
            async with agent.run_stream("Write a haiku about APIs.") as result:
                pieces = [piece async for piece in result.stream_text(delta=True)]
            expect("".join(pieces).strip(), f"the stream carried no text: {pieces!r}")

        asyncio.run(stream())

    with check(f"structured output · {provider}", "With structured output"):
        agent = make_agent(model, CityInfo)

        result = agent.run_sync("Tell me about Tokyo")
        city = output_of(result)
        print(f"{city.name}, {city.country} — pop: {city.population:,}")
        print(f"Famous for: {', '.join(city.famous_for)}")
        expect(isinstance(city, CityInfo), f"expected a CityInfo, got {city!r}")

    with check(f"tools · {provider}", "With tools"):
        agent = make_agent(model, system_prompt="You help with math.")
        calls = []

        @agent.tool_plain
        def multiply(a: int, b: int) -> int:
            """Multiply two numbers."""
            calls.append((a, b))
            return a * b

        result = agent.run_sync("What is 123 times 456?")
        print(output_of(result))
        expect(calls, "the agent never called multiply")
        answer = output_of(result)
        expect(isinstance(answer, str) and answer.strip(), f"expected a final answer, got {answer!r}")

print(f"pydantic-ai {version('pydantic-ai-slim')}", file=sys.stderr)
report()
