"""The official openai Python client against the stack: every call of the OpenAI API the gateway serves.

Usage: openai_client.py BASE_URL IMAGE_PNG; prints one JSON object with what the client parsed.
"""
import base64
import json
import sys

import openai
from openai import OpenAI

base, image_path = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base, api_key="unused", max_retries=0)
image = "data:image/png;base64," + base64.b64encode(open(image_path, "rb").read()).decode()
QUESTION = "What color is the square?"
out = {}

# models
out["model"] = client.models.retrieve("inverse-llava").id
try:
    client.models.retrieve("gpt-4o")
except openai.NotFoundError as e:
    out["model_404"] = e.code

# chat, with an image, streamed and not, with log probabilities
chat_messages = [{"role": "user", "content": [{"type": "text", "text": QUESTION},
                                              {"type": "image_url", "image_url": {"url": image}}]}]
c = client.chat.completions.create(model="inverse-llava", messages=chat_messages, max_tokens=8, temperature=0,
                                   logprobs=True, top_logprobs=3)
out["chat"] = {"text": c.choices[0].message.content, "finish": c.choices[0].finish_reason,
               "logprobs": [{"token": e.token, "logprob": e.logprob, "bytes": e.bytes,
                             "top": [t.token for t in e.top_logprobs]} for e in c.choices[0].logprobs.content]}
text, lp = "", []
for chunk in client.chat.completions.create(model="inverse-llava", messages=chat_messages, max_tokens=8, temperature=0,
                                            stream=True, logprobs=True, top_logprobs=1):
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
    if chunk.choices and chunk.choices[0].logprobs:
        lp += [e.logprob for e in chunk.choices[0].logprobs.content]
out["chat_stream"] = {"text": text, "logprobs": lp}

# n choices: each its own seed (seed + index), the prompt counted once
n = client.chat.completions.create(model="inverse-llava", messages=[{"role": "user", "content": "Describe it."}],
                                   max_tokens=6, temperature=1.0, seed=11, n=3)
out["n"] = {"texts": [ch.message.content for ch in n.choices], "indexes": [ch.index for ch in n.choices],
            "prompt_tokens": n.usage.prompt_tokens, "completion_tokens": n.usage.completion_tokens}

# Responses API: an image, whole and streamed, then a stream resumed after its first delta, then a cancel
inp = [{"role": "user", "content": [{"type": "input_text", "text": QUESTION},
                                     {"type": "input_image", "image_url": image}]}]
r = client.responses.create(model="inverse-llava", input=inp, max_output_tokens=8, instructions="Answer briefly.")
out["responses"] = {"id": r.id, "text": r.output_text, "status": r.status, "input_tokens": r.usage.input_tokens,
                    "output_tokens": r.usage.output_tokens, "instructions": r.instructions,
                    "incomplete": r.incomplete_details.reason if r.incomplete_details else None}
events, deltas = [], ""
with client.responses.stream(model="inverse-llava", input=inp, max_output_tokens=8, instructions="Answer briefly.",
                             include=["message.output_text.logprobs"], top_logprobs=2) as s:
    for e in s:
        events.append([e.type, e.sequence_number])
        if e.type == "response.output_text.delta":
            deltas += e.delta
        if e.type in ("response.completed", "response.incomplete"):
            final = e.response  # the helper's get_final_response() knows only response.completed
out["responses_stream"] = {"events": events, "deltas": deltas, "text": final.output_text, "status": final.status,
                           "logprobs": len(final.output[0].content[0].logprobs or [])}
first = client.responses.create(model="inverse-llava", input=inp, max_output_tokens=8, instructions="Answer briefly.",
                                stream=True)
seen = []
for e in first:
    seen.append(e)
    if e.type == "response.output_text.delta":
        break
first.close()
rid = seen[0].response.id
rest = client.responses.retrieve(rid, stream=True, starting_after=seen[-1].sequence_number)
after = [[e.type, e.sequence_number] for e in rest]
done = [e for e in after if e[0] == "response.completed" or e[0] == "response.incomplete"]
again = client.responses.retrieve(rid)
out["responses_resumed"] = {"first_delta": seen[-1].delta, "after": after, "retrieved_text": again.output_text}
long_stream = client.responses.create(model="inverse-llava", input="Tell me everything about the picture.",
                                      max_output_tokens=1000, stream=True)
cancelled = None
ending = None
count = 0
try:
    for e in long_stream:
        if e.type == "response.created":
            cancelled = client.responses.cancel(e.response.id).status
        if e.type == "response.output_text.delta":
            count += 1
        ending = e.type
except openai.APIError as e:
    ending = "error"
out["responses_cancel"] = {"status": cancelled, "ending": ending, "deltas": count}

# legacy completions: echo + logprobs scores a prompt (the first token null), max_tokens 0; token ids as the prompt
e = client.completions.create(model="inverse-llava", prompt="the square is blue", max_tokens=0, echo=True, logprobs=2)
out["echo"] = {"text": e.choices[0].text, "tokens": e.choices[0].logprobs.tokens,
               "token_logprobs": e.choices[0].logprobs.token_logprobs,
               "top": [None if t is None else sorted(t, key=t.get, reverse=True) for t in e.choices[0].logprobs.top_logprobs],
               "completion_tokens": e.usage.completion_tokens}
g = client.completions.create(model="inverse-llava", prompt=[[1, 300, 301]], max_tokens=4, temperature=0)
out["ids"] = {"text": g.choices[0].text, "finish": g.choices[0].finish_reason}

many = client.completions.create(model="inverse-llava", prompt=["the sky is", "the square is"], max_tokens=3, n=2,
                                 temperature=1.0, seed=5)
streamed = {}
for chunk in client.completions.create(model="inverse-llava", prompt=["the sky is", "the square is"], max_tokens=3, n=2,
                                       temperature=1.0, seed=5, stream=True):
    for ch in chunk.choices:
        streamed[ch.index] = streamed.get(ch.index, "") + ch.text
out["prompts"] = {"texts": [c.text for c in many.choices], "indexes": [c.index for c in many.choices],
                  "streamed": [streamed.get(i) for i in range(4)], "prompt_tokens": many.usage.prompt_tokens}

# structured outputs: every answer parses and fits the schema, streamed and not
schema = {"type": "object", "properties": {"color": {"type": "string", "enum": ["red", "green", "blue", "yellow"]},
                                           "count": {"type": "integer"}},
          "required": ["color", "count"], "additionalProperties": False}
fmt = {"type": "json_schema", "json_schema": {"name": "shapes", "schema": schema, "strict": True}}
docs = []
for q in ["What color is the square?", "How many shapes are there?", "Describe the picture.", "hello", "Is it red?"]:
    msgs = [{"role": "user", "content": [{"type": "text", "text": q}, {"type": "image_url", "image_url": {"url": image}}]}]
    whole = client.chat.completions.create(model="inverse-llava", messages=msgs, max_tokens=64, response_format=fmt)
    docs.append(whole.choices[0].message.content)
    streamed = "".join(ch.choices[0].delta.content or "" for ch in client.chat.completions.create(
        model="inverse-llava", messages=msgs, max_tokens=64, response_format=fmt, stream=True, temperature=1.0, seed=3)
        if ch.choices)
    docs.append(streamed)
rs = client.responses.create(model="inverse-llava", input="What color?", max_output_tokens=64,
                             text={"format": {"type": "json_schema", "name": "shapes", "schema": schema}})
docs.append(rs.output_text)
out["json"] = docs

# errors keep OpenAI's shape
try:
    client.chat.completions.create(model="inverse-llava", messages=chat_messages, n=99)
except openai.BadRequestError as err:
    out["error"] = {"status": err.status_code, "code": err.code, "message": err.message}
print(json.dumps(out))
