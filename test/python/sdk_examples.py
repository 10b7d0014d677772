"""The integration guide's Python examples, run by the official SDKs against Dvara.

Reads DVARA_URL and DVARA_KEY; prints one JSON object with what each example returned, for the test to check.
"""
import json
import os

import anthropic
import openai

url, key = os.environ["DVARA_URL"], os.environ["DVARA_KEY"]
out = {}

# Anthropic Python SDK: only base_url changes (the SDK appends /v1/messages).
a = anthropic.Anthropic(base_url=url, api_key=key)
msg = a.messages.create(model="claude-sonnet-4-20250514", max_tokens=256,
                        messages=[{"role": "user", "content": "Explain the Rust ownership model."}])
out["anthropic_text"] = msg.content[0].text
out["anthropic_usage"] = [msg.usage.input_tokens, msg.usage.output_tokens]

with a.messages.stream(model="claude-sonnet-4-20250514", max_tokens=256,
                       messages=[{"role": "user", "content": "Write a haiku."}]) as stream:
    out["anthropic_stream"] = "".join(stream.text_stream)
    out["anthropic_stream_stop"] = stream.get_final_message().stop_reason

tools = [{"name": "get_weather", "description": "Weather for a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
tool_msg = a.messages.create(model="claude-sonnet-4-20250514", max_tokens=256, tools=tools,
                             messages=[{"role": "user", "content": "Weather in Paris?"}])
out["anthropic_tool"] = [b.name for b in tool_msg.content if b.type == "tool_use"]

# OpenAI Python SDK with a Claude model name (the guide's recommended way).
o = openai.OpenAI(base_url=url + "/v1", api_key=key)
r = o.chat.completions.create(model="claude-sonnet-4-20250514", max_tokens=512,
                              messages=[{"role": "system", "content": "You are a helpful assistant."},
                                        {"role": "user", "content": "Hello from Anthropic via Dvara!"}])
out["openai_claude_text"] = r.choices[0].message.content
chunks = o.chat.completions.create(model="claude-sonnet-4-20250514", stream=True,
                                   stream_options={"include_usage": True},
                                   messages=[{"role": "user", "content": "Write a haiku about APIs."}])
text, usage = "", None
for c in chunks:
    if c.choices and c.choices[0].delta.content:
        text += c.choices[0].delta.content
    if c.usage:
        usage = c.usage.total_tokens
out["openai_claude_stream"] = text
out["openai_claude_stream_usage"] = usage

# Errors as the SDKs surface them.
try:
    o.chat.completions.create(model="nope-1", messages=[{"role": "user", "content": "x"}])
except openai.BadRequestError as e:
    out["openai_no_provider"] = e.body.get("code") if isinstance(e.body, dict) else str(e.body)
try:
    anthropic.Anthropic(base_url=url, api_key="mk-wrong").messages.create(
        model="claude-sonnet-4-20250514", max_tokens=10, messages=[{"role": "user", "content": "x"}])
except anthropic.AuthenticationError as e:
    out["anthropic_unauthorized"] = e.status_code

print(json.dumps(out))
