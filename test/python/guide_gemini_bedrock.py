"""The integration guide's Gemini and AWS Bedrock "After (via Dvara)" examples, run by the official openai SDK.

Reads DVARA_URL and DVARA_KEY; prints one JSON object with what each example returned, for the test to check.
"""
import json
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["DVARA_URL"] + "/v1", api_key=os.environ["DVARA_KEY"])
out = {}

# Google GenAI → OpenAI SDK (the guide's example, unchanged).
response = client.chat.completions.create(
    model="gemini-2.0-flash",
    messages=[{"role": "user", "content": "Explain how AI works"}],
)
out["gemini"] = response.choices[0].message.content

# AWS Bedrock → OpenAI SDK (the guide's example, unchanged).
response = client.chat.completions.create(
    model="bedrock/anthropic.claude-3-sonnet-20240229-v1:0",
    messages=[{"role": "user", "content": "Hello from Bedrock via Dvara!"}],
)
out["bedrock"] = response.choices[0].message.content

# The same two, streamed, and a tool call each.
tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}}]
for name, model in [("gemini", "gemini-2.0-flash"), ("bedrock", "bedrock/anthropic.claude-3-sonnet-20240229-v1:0")]:
    text = ""
    for chunk in client.chat.completions.create(model=model, stream=True,
                                                messages=[{"role": "user", "content": "Stream this"}]):
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
    out[name + "_stream"] = text
    r = client.chat.completions.create(model=model, tools=tools,
                                       messages=[{"role": "user", "content": "Weather in Paris?"}])
    out[name + "_tool"] = [c.function.name for c in r.choices[0].message.tool_calls or []]

print(json.dumps(out))
