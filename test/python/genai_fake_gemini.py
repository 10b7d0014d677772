"""Drives the fake Gemini upstream with the official google-genai SDK (pinned in requirements.txt).

If the SDK can talk to the fake, the fake speaks the real protocol: paths, auth headers, field casing,
response and stream parsing. Reads GEMINI_URL, GEMINI_KEY and VERTEX_TOKEN; prints one JSON object with what
each call returned, for test/e2e/genai-fake-gemini.test.ts to check.
"""
import json
import os

import pydantic
from google import genai
from google.genai import errors, types
from google.oauth2.credentials import Credentials

url, key = os.environ["GEMINI_URL"], os.environ["GEMINI_KEY"]
client = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=url))
out = {}

r = client.models.generate_content(model="gemini-2.5-flash", contents="Hello from the SDK")
out["text"] = r.text
out["usage"] = [r.usage_metadata.prompt_token_count, r.usage_metadata.candidates_token_count,
                r.usage_metadata.thoughts_token_count, r.usage_metadata.total_token_count]
out["finish"] = r.candidates[0].finish_reason.value

weather = types.FunctionDeclaration(
    name="get_weather", description="Weather for a city",
    parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]))
r = client.models.generate_content(
    model="gemini-2.5-flash", contents="Weather in Paris?",
    config=types.GenerateContentConfig(tools=[types.Tool(function_declarations=[weather])], temperature=0.2,
                                       system_instruction="Be terse", max_output_tokens=200))
out["calls"] = [{"name": c.name, "args": c.args} for c in (r.function_calls or [])]

# The answer turn: the model's call replayed, then the function's result.
history = [types.Content(role="user", parts=[types.Part(text="Weather in Paris?")]), r.candidates[0].content,
           types.Content(role="user", parts=[types.Part.from_function_response(name="get_weather", response={"result": "18C"})])]
r = client.models.generate_content(model="gemini-2.5-flash", contents=history,
                                   config=types.GenerateContentConfig(tools=[types.Tool(function_declarations=[weather])]))
out["after_tool"] = r.text


class Person(pydantic.BaseModel):
    name: str
    age: int


r = client.models.generate_content(
    model="gemini-2.5-flash", contents="A person, as JSON",
    config=types.GenerateContentConfig(response_mime_type="application/json", response_schema=Person))
out["json_text"] = r.text
out["json_parsed"] = r.parsed.model_dump() if r.parsed else None

r = client.models.generate_content(
    model="gemini-2.5-flash", contents="A person, as JSON",
    config={"response_mime_type": "application/json", "response_json_schema": Person.model_json_schema()})
out["json_schema_text"] = r.text

text, last = "", None
for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="Stream me a few words"):
    text += chunk.text or ""
    last = chunk
out["stream_text"] = text
out["stream_usage"] = last.usage_metadata.total_token_count

r = client.models.generate_content(
    model="gemini-2.5-pro", contents="Think first",
    config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True)))
out["thought_parts"] = [bool(p.thought) for p in r.candidates[0].content.parts]

# Gemini 3 with automatic function calling: the SDK runs the tool and replays the signed call.
def get_weather(city: str) -> str:
    """Weather for a city."""
    return "18C in " + city


r = client.models.generate_content(model="gemini-3-flash-preview", contents="Weather in Paris?",
                                   config=types.GenerateContentConfig(tools=[get_weather]))
out["afc_text"] = r.text

one = client.models.embed_content(model="text-embedding-004", contents="hello")
out["embed_one"] = [len(e.values) for e in one.embeddings]
several = client.models.embed_content(model="gemini-embedding-001", contents=["a", "b", "c"],
                                      config=types.EmbedContentConfig(output_dimensionality=16))
out["embed_several"] = [len(e.values) for e in several.embeddings]

beta = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=url, api_version="v1beta"))
out["v1beta_text"] = beta.models.generate_content(model="gemini-2.0-flash", contents="beta").text

# Keep the client referenced: a temporary Client closes its HTTP client when garbage-collected.
bad = genai.Client(api_key="wrong", http_options=types.HttpOptions(base_url=url))
try:
    bad.models.generate_content(model="gemini-2.5-flash", contents="x")
except errors.ClientError as e:
    out["bad_key"] = [e.code, e.status, e.message]

try:
    client.models.generate_content(model="gemini-2.5-flash", contents="x", config=types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[types.FunctionDeclaration(
            name="f", parameters_json_schema={"type": "object"}, parameters=types.Schema(type="OBJECT", properties={"a": types.Schema(type="STRING")}))])]))
except errors.ClientError as e:
    out["both_params"] = e.code

vertex = genai.Client(vertexai=True, project="my-proj", location="us-central1", credentials=Credentials(os.environ["VERTEX_TOKEN"]),
                      http_options=types.HttpOptions(base_url=url))
out["vertex_text"] = vertex.models.generate_content(model="gemini-2.5-flash", contents="Hello Vertex").text

print(json.dumps(out))
