"""Drives the fake Bedrock (test/fakes/bedrock-upstream.ts) with the official boto3 client.

botocore signs with its own SigV4 implementation and parses the binary event stream with its own decoder, so
every call succeeding here shows the fake speaks the real protocol. Prints one JSON object of results.
Environment: BEDROCK_URL (the fake's endpoint), AWS_KEY / AWS_SECRET; SCENARIO=stream_exception instead reads
one (scripted) stream and reports the in-stream exception botocore raises.
"""
import json
import os

import boto3
from botocore.config import Config

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
WEATHER = {
    "toolSpec": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
    }
}


def client(secret):
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=os.environ["BEDROCK_URL"],
        aws_access_key_id=os.environ["AWS_KEY"],
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def stream_exception():
    c = client(os.environ["AWS_SECRET"])
    r = c.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Hi"}]}])
    names = []
    try:
        for event in r["stream"]:
            names.append(next(iter(event)))
    except Exception as e:  # botocore raises EventStreamError for `:message-type: exception` frames
        return {"events": names, "error": [type(e).__name__, e.response["Error"]["Code"], e.response["Error"]["Message"]]}
    return {"events": names, "error": None}


def main():
    if os.environ.get("SCENARIO") == "stream_exception":
        print(json.dumps(stream_exception()))
        return
    c = client(os.environ["AWS_SECRET"])
    out = {}
    hello = [{"role": "user", "content": [{"text": "Hello from boto3"}]}]

    r = c.converse(modelId=MODEL, messages=hello, inferenceConfig={"maxTokens": 100, "temperature": 0.2})
    out["converse"] = {"text": r["output"]["message"]["content"][0]["text"], "stopReason": r["stopReason"], "usage": r["usage"]}

    r = c.converse(modelId=MODEL, messages=hello, toolConfig={"tools": [WEATHER], "toolChoice": {"any": {}}})
    use = r["output"]["message"]["content"][0]["toolUse"]
    out["tool"] = {"stopReason": r["stopReason"], "name": use["name"], "input": use["input"], "id": use["toolUseId"]}

    r = c.converse(
        modelId=MODEL,
        messages=hello
        + [
            {"role": "assistant", "content": [{"toolUse": use}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": use["toolUseId"], "content": [{"text": "18C and sunny"}]}}]},
        ],
        toolConfig={"tools": [WEATHER]},
    )
    out["tool_result_text"] = r["output"]["message"]["content"][0]["text"]

    r = c.converse_stream(modelId=MODEL, messages=hello)
    names, text, stop, usage = [], "", None, None
    for event in r["stream"]:
        name = next(iter(event))
        names.append(name)
        if name == "contentBlockDelta":
            text += event[name]["delta"]["text"]
        elif name == "messageStop":
            stop = event[name]["stopReason"]
        elif name == "metadata":
            usage = event[name]["usage"]
    out["stream"] = {"events": names, "text": text, "stopReason": stop, "usage": usage}

    r = c.converse_stream(modelId=MODEL, messages=hello, toolConfig={"tools": [WEATHER], "toolChoice": {"any": {}}})
    args = ""
    names = []
    for event in r["stream"]:
        name = next(iter(event))
        names.append(name)
        if name == "contentBlockDelta":
            args += event[name]["delta"]["toolUse"]["input"]
    out["stream_tool"] = {"events": names, "input": json.loads(args)}

    r = c.invoke_model(
        modelId="amazon.titan-embed-text-v2:0",
        body=json.dumps({"inputText": "hello world", "dimensions": 256, "normalize": True}),
        contentType="application/json",
        accept="application/json",
    )
    body = json.loads(r["body"].read())
    out["embedding"] = {
        "dims": len(body["embedding"]),
        "tokens": body["inputTextTokenCount"],
        "header_tokens": r["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-bedrock-input-token-count"),
    }

    errors = {}
    try:
        c.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": " "}]}])
    except c.exceptions.ValidationException as e:
        errors["validation"] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
    try:
        client("wrong-secret").converse(modelId=MODEL, messages=hello)
    except Exception as e:  # botocore has no modeled class for it
        errors["signature"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
    out["errors"] = errors

    print(json.dumps(out))


if __name__ == "__main__":
    main()
