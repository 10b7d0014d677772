"""The integration guide's LangChain examples against Dvara, with langchain-openai's ChatOpenAI / OpenAIEmbeddings.

Runs in two venvs (requirements-guide.txt: langchain 0.3, which the guide's agent code needs; requirements-latest.txt:
langchain 1.x). The guide's code is copied with only its placeholders replaced: "http://localhost:8080/v1" → BASE_URL
(DVARA_BASE_URL) and "your-dvara-api-key" → KEY (DVARA_KEY). The guide's LangChain section uses gpt-4o; every example
also runs with the guide's Claude, Gemini and Bedrock model names (one cell per provider).

Departures, each forced and said where it happens:
  * agents: the guide's `calculator` tool evals its argument; a scripted test model sends sample arguments (not
    "42 * 17 + 3"), so the tool body here answers an eval error as text instead of raising it.
  * agents on langchain 1.x: `create_tool_calling_agent` / `AgentExecutor` are gone from `langchain.agents`
    (moved to the `langchain-classic` package); the latest venv runs the current idiom, `langchain.agents.create_agent`,
    and the guide's code with only its import switched to `langchain_classic.agents`.
Prints the cells' results (see _cells.py) as the last stdout line.
"""
import os
import sys
from importlib.metadata import version

from pydantic import BaseModel

from _cells import check, expect, offline_tiktoken, report

offline_tiktoken()

from langchain_core.prompts import ChatPromptTemplate  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI, OpenAIEmbeddings  # noqa: E402

BASE_URL = os.environ["DVARA_BASE_URL"]
KEY = os.environ["DVARA_KEY"]
LANGCHAIN_1 = int(version("langchain").split(".")[0]) >= 1
MODELS = {
    "openai": "gpt-4o",
    "anthropic": "claude-sonnet-4-20250514",
    "gemini": "gemini-2.0-flash",
    "bedrock": "bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
}


def nonempty(text) -> str:
    expect(isinstance(text, str) and text.strip(), f"expected a non-empty answer, got {text!r}")
    return text


class MovieReview(BaseModel):
    title: str
    rating: float
    summary: str


@tool
def calculator(expression: str) -> str:
    """Evaluate a math expression."""
    try:
        return str(eval(expression))
    except Exception as e:  # the guide lets this raise; see the module docstring
        return f"cannot evaluate {expression!r}: {e}"


def guide_agent(llm, create_tool_calling_agent, AgentExecutor) -> None:
    """The guide's "Agent with tools", from the prompt on."""
    prompt = ChatPromptTemplate.from_messages([
        ("system", "You are a helpful assistant."),
        ("human", "{input}"),
        ("placeholder", "{agent_scratchpad}"),
    ])

    agent = create_tool_calling_agent(llm, [calculator], prompt)
    executor = AgentExecutor(agent=agent, tools=[calculator])
    result = executor.invoke({"input": "What is 42 * 17 + 3?"})
    print(result["output"])
    expect(result["output"] != "Agent stopped due to max iterations.", "AgentExecutor stopped at max iterations without a final answer")
    nonempty(result["output"])


for provider, model in MODELS.items():
    with check(f"chat · {provider}", "Basic chat"):
        llm = ChatOpenAI(
            model=model,
            openai_api_base=BASE_URL,
            openai_api_key=KEY,
            temperature=0.7,
        )

        response = llm.invoke("What is the capital of France?")
        print(response.content)
        nonempty(response.content)

    llm = ChatOpenAI(
        model=model,
        openai_api_base=BASE_URL,
        openai_api_key=KEY,
    )

    prompt = ChatPromptTemplate.from_messages([
        ("system", "You are a {role}. Answer concisely."),
        ("human", "{question}"),
    ])

    chain = prompt | llm

    with check(f"chat · {provider}", "With chains"):
        response = chain.invoke({"role": "historian", "question": "Who built the pyramids?"})
        print(response.content)
        nonempty(response.content)

    with check(f"stream · {provider}", "Streaming with chains"):
        text, chunks = "", 0
        for chunk in chain.stream({"role": "poet", "question": "Write about the moon"}):
            print(chunk.content, end="")
            text += chunk.content
            chunks += 1
        print()
        nonempty(text)
        expect(chunks > 1, f"expected the answer in several chunks, got {chunks}")

    with check(f"structured output · {provider}", "With structured output"):
        structured_llm = llm.with_structured_output(MovieReview)
        review = structured_llm.invoke("Review the movie Inception")
        print(f"{review.title}: {review.rating}/10 - {review.summary}")
        expect(isinstance(review, MovieReview), f"expected a MovieReview, got {review!r}")

    with check(f"agents · {provider}", "Agent with tools" + (" (langchain_classic.agents)" if LANGCHAIN_1 else "")):
        if LANGCHAIN_1:
            from langchain_classic.agents import AgentExecutor, create_tool_calling_agent
        else:
            from langchain.agents import AgentExecutor, create_tool_calling_agent
        guide_agent(llm, create_tool_calling_agent, AgentExecutor)

    if LANGCHAIN_1:
        with check(f"agents · {provider}", "langchain.agents.create_agent"):
            from langchain.agents import create_agent

            agent = create_agent(llm, tools=[calculator], system_prompt="You are a helpful assistant.")
            result = agent.invoke({"messages": [{"role": "user", "content": "What is 42 * 17 + 3?"}]}, {"recursion_limit": 25})
            messages = result["messages"]
            expect(any(m.type == "tool" for m in messages), f"the agent never ran the tool: {messages!r}")
            final = messages[-1]
            expect(final.type == "ai" and not final.tool_calls, f"expected a final answer, got {final!r}")
            nonempty(final.content if isinstance(final.content, str) else final.text)

with check("embeddings · openai", "RAG example: OpenAIEmbeddings (token-id input, the default)"):
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small",
        openai_api_base=BASE_URL,
        openai_api_key=KEY,
    )

    vector = embeddings.embed_query("The quick brown fox jumps over the lazy dog.")
    expect(len(vector) > 0 and all(isinstance(x, float) for x in vector), f"expected a float vector, got {vector!r}")
    vectors = embeddings.embed_documents(["first document", "second document"])
    expect(len(vectors) == 2 and all(len(v) == len(vector) for v in vectors), f"expected 2 vectors, got {len(vectors)}")

with check("embeddings · openai", "OpenAIEmbeddings(check_embedding_ctx_length=False) (plain strings)"):
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small",
        openai_api_base=BASE_URL,
        openai_api_key=KEY,
        check_embedding_ctx_length=False,
    )
    expect(len(embeddings.embed_documents(["first document", "second document"])) == 2, "expected 2 vectors")

print(f"langchain {version('langchain')}, langchain-openai {version('langchain-openai')}", file=sys.stderr)
report()
