"""A Kafka-native client for the Inverse-LLaVA serving stack (no gateway): write requests to the model's topics, read
the answers from vlm.tokens.

    from inverse_llava_kafka import Client
    client = Client("broker:9092")
    for text in client.ask(open("cat.png", "rb").read(), "What is in the image?", max_tokens=64):
        print(text, end="", flush=True)
    client.answer_all("requests.jsonl", "answers.jsonl")

Records are Avro single-object encoded (C3 01, the CRC-64-AVRO fingerprint of the schema's parsing canonical form in
8 little-endian bytes, the binary body) with the schemas of ``schemas/history`` (the newest version of each record).
Any partitioner works: the stack moves records off their key's home partition there. See docs/kafka-api.md.

Needs ``confluent-kafka`` (Debian: python3-confluent-kafka) and ``fastavro``.
"""
import glob
import io
import json
import os
import re
import time
import uuid

import fastavro
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

PRIMARY_MODEL = "inverse-llava"
TOKENS_TOPIC = "vlm.tokens"
_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.environ.get("INVERSE_LLAVA_SCHEMAS",
                                 os.path.join(_HERE, "..", "..", "schemas", "history"))


class AnswerError(Exception):
    """A request ended with an error chunk: ``code`` is the stack's stable error code (docs/kafka-api.md)."""

    def __init__(self, request_id, code, message):
        super().__init__("%s: %s (request %s)" % (code, message, request_id))
        self.request_id, self.code, self.message = request_id, code, message


def model_topic(topic, model):
    """A per-model topic: the primary model keeps the plain name, another model M appends '.M'."""
    return topic if model in (None, PRIMARY_MODEL) else topic + "." + model


# --- Avro single-object encoding -----------------------------------------------------------------------------------

_EMPTY = 0xC15D213AA4D7A795
_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_EMPTY & -(_fp & 1))
    _TABLE.append(_fp & 0xFFFFFFFFFFFFFFFF)


def crc64_avro(data):
    """The Rabin CRC-64 of the Avro specification ("CRC-64-AVRO")."""
    fp = _EMPTY
    for b in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


class Codec:
    """Encodes one record type with its newest schema; decodes any version of it kept in the schema history."""

    def __init__(self, name, schemas_dir=DEFAULT_SCHEMAS):
        paths = sorted(glob.glob(os.path.join(schemas_dir, name, "v*.avsc")),
                       key=lambda p: int(re.search(r"v(\d+)\.avsc$", p).group(1)))
        if not paths:
            raise FileNotFoundError("no schema versions of %s under %s" % (name, schemas_dir))
        self.writers = {}
        for p in paths:
            with open(p) as f:
                raw = json.load(f)
            parsed = fastavro.parse_schema(raw)
            fingerprint = crc64_avro(fastavro.schema.to_parsing_canonical_form(raw).encode("utf-8")).to_bytes(8, "little")
            self.writers[fingerprint] = parsed
            self.schema, self.header = parsed, b"\xc3\x01" + fingerprint  # the newest version writes

    def encode(self, record):
        out = io.BytesIO()
        out.write(self.header)
        fastavro.schemaless_writer(out, self.schema, record)
        return out.getvalue()

    def decode(self, data):
        if data[:2] != b"\xc3\x01" or data[2:10] not in self.writers:
            raise ValueError("not a single-object record of a known schema version")
        return fastavro.schemaless_reader(io.BytesIO(data[10:]), self.writers[data[2:10]], self.schema)


# --- the client ----------------------------------------------------------------------------------------------------

class Client:
    """Sends requests to one served model and follows their answers on vlm.tokens.

    ``reply_to`` names the caller on every chunk (free-form; not a gateway instance id). Extra librdkafka settings go
    in ``config`` (security, client.id, ...); the partitioner is left as the client's default on purpose.
    """

    def __init__(self, bootstrap_servers, model=PRIMARY_MODEL, reply_to="python-client", schemas_dir=DEFAULT_SCHEMAS,
                 config=None):
        common = {"bootstrap.servers": bootstrap_servers}
        common.update(config or {})
        self.model, self.reply_to = model, reply_to
        self.images = Codec("ImageRequest", schemas_dir)
        self.prompts = Codec("PromptRequest", schemas_dir)
        self.chunks = Codec("TokenChunk", schemas_dir)
        self.producer = Producer(dict(common, **{"linger.ms": 5, "message.max.bytes": 16 << 20}))
        self.consumer = Consumer(dict(common, **{"group.id": "python-client-" + uuid.uuid4().hex,
                                                 "enable.auto.commit": False, "fetch.message.max.bytes": 16 << 20}))
        self._follow_from_end()

    def close(self):
        self.producer.flush(30)
        self.consumer.close()

    def _follow_from_end(self):
        """Reads vlm.tokens from its current end on every partition (answers to requests sent after this)."""
        meta = self.consumer.list_topics(TOKENS_TOPIC, timeout=30)
        parts = [TopicPartition(TOKENS_TOPIC, p) for p in meta.topics[TOKENS_TOPIC].partitions]
        ends = []
        for tp in parts:
            low, high = self.consumer.get_watermark_offsets(tp, timeout=30)
            ends.append(TopicPartition(TOKENS_TOPIC, tp.partition, high))
        self.consumer.assign(ends)

    def send(self, question, image=None, max_tokens=64, temperature=0.0, top_p=1.0, top_k=0, seed=0, stop=(),
             system=None, request_id=None, deadline_s=300.0, bulk=False):
        """Writes one request (its image first, then its prompt) and returns its id; answers come on vlm.tokens."""
        rid = request_id or str(uuid.uuid4())
        now = int(time.time() * 1000)
        deadline = now + int(deadline_s * 1000)
        key = rid.encode("utf-8")
        if image is not None:
            self.producer.produce(model_topic("vlm.images", self.model), key=key, value=self.images.encode({
                "requestId": rid, "image": bytes(image), "contentType": None,
                "deadlineEpochMs": deadline, "createdAtEpochMs": now}), on_delivery=_raise_on_error)
        prompt = {"requestId": rid, "question": question, "hasImage": image is not None,
                  "sampling": {"maxNewTokens": int(max_tokens), "temperature": float(temperature), "topP": float(top_p),
                               "topK": int(top_k), "seed": int(seed), "stop": list(stop)},
                  "deadlineEpochMs": deadline, "replyTo": self.reply_to, "createdAtEpochMs": now,
                  "system": system, "history": [], "owner": None, "bulk": bool(bulk)}
        self.producer.produce(model_topic("vlm.prompts", self.model), key=key, value=self.prompts.encode(prompt),
                              on_delivery=_raise_on_error)
        self.producer.poll(0)
        return rid

    def next_chunk(self, timeout_s=0.2):
        """The next chunk on vlm.tokens as (request id, chunk), or None when none came within ``timeout_s``."""
        msg = self.consumer.poll(timeout_s)
        if msg is None:
            return None
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                return None
            raise KafkaException(msg.error())
        if not msg.key():
            return None
        return msg.key().decode("utf-8"), self.chunks.decode(msg.value())

    def next_in_order(self, expected):
        """The next chunk of a request of ``expected`` (request id -> the sequence it waits for), as (request id,
        chunk), or None: chunks of other requests, and repeats after a crash, are skipped. Advances the id's sequence
        and drops the id after its final chunk."""
        got = self.next_chunk()
        if got is None or got[0] not in expected or got[1]["sequence"] != expected[got[0]]:
            return None
        rid, chunk = got
        expected[rid] += 1
        if chunk["finishReason"] is not None:
            del expected[rid]
        return got

    def chunks_of(self, ids, timeout_s=300.0):
        """Yields (request id, chunk) for ``ids``, each sequence once, until each id's final chunk."""
        expected = {i: 0 for i in ids}
        until = time.time() + timeout_s
        self.producer.flush(30)
        while expected:
            if time.time() > until:
                raise TimeoutError("no final chunk within %.0f s for %d requests, e.g. %s"
                                   % (timeout_s, len(expected), next(iter(expected))))
            got = self.next_in_order(expected)
            if got is not None:
                yield got

    def ask(self, image, question, **kwargs):
        """Streams the answer's text; raises AnswerError when the request ends with an error."""
        timeout_s = kwargs.pop("timeout_s", 300.0)
        rid = self.send(question, image=image, **kwargs)
        for _, chunk in self.chunks_of([rid], timeout_s):
            if chunk["error"] is not None:
                raise AnswerError(rid, chunk["error"]["code"], chunk["error"]["message"])
            if chunk["text"]:
                yield chunk["text"]

    def answer_all(self, jsonl_in, jsonl_out, in_flight=64, timeout_s=600.0, bulk=False):
        """Answers every request of ``jsonl_in`` into ``jsonl_out`` (one line each, in completion order).

        Input lines: {"id"?: str, "question": str, "image"?: path relative to the file, "max_tokens"?: int,
        "temperature"?: float, "seed"?: int}. Output lines: {"id", "answer", "token_ids", "finish_reason",
        "error"?: {"code", "message"}}. At most ``in_flight`` requests are outstanding; ``bulk`` marks them as a bulk
        job (served after interactive requests). A request without any chunk for ``timeout_s`` raises TimeoutError.
        Returns the number of answers written.
        """
        with open(jsonl_in) as f:
            queue = [json.loads(line) for line in f if line.strip()]
        base = os.path.dirname(os.path.abspath(jsonl_in))
        pending = {}
        expected = {}
        written = 0
        last_progress = time.time()
        with open(jsonl_out, "w") as out:
            while queue or pending:
                while queue and len(pending) < in_flight:
                    r = queue.pop(0)
                    image = None
                    if r.get("image"):
                        with open(os.path.join(base, r["image"]), "rb") as img:
                            image = img.read()
                    rid = self.send(r["question"], image=image, max_tokens=r.get("max_tokens", 64),
                                    temperature=r.get("temperature", 0.0), seed=r.get("seed", 0),
                                    request_id=r.get("id"), bulk=bulk)
                    pending[rid] = {"id": rid, "answer": "", "token_ids": []}
                    expected[rid] = 0
                self.producer.poll(0)
                if time.time() - last_progress > timeout_s:
                    raise TimeoutError("no chunk for %d requests in %.0f s" % (len(pending), timeout_s))
                got = self.next_in_order(expected)
                if got is None:
                    continue
                rid, chunk = got
                last_progress = time.time()
                a = pending[rid]
                a["answer"] += chunk["text"]
                a["token_ids"] += chunk["tokenIds"]
                if chunk["finishReason"] is not None:
                    a["finish_reason"] = chunk["finishReason"].lower()
                    if chunk["error"] is not None:
                        a["error"] = {"code": chunk["error"]["code"], "message": chunk["error"]["message"]}
                    out.write(json.dumps(pending.pop(rid)) + "\n")
                    written += 1
        return written


def _raise_on_error(err, msg):
    if err is not None:
        raise KafkaException(err)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Answer a JSONL file of requests through the stack's Kafka topics.")
    ap.add_argument("--bootstrap-servers", required=True)
    ap.add_argument("--model", default=PRIMARY_MODEL)
    ap.add_argument("--in-flight", type=int, default=64)
    ap.add_argument("--bulk", action="store_true", help="mark the requests as a bulk job")
    ap.add_argument("requests")
    ap.add_argument("answers")
    a = ap.parse_args()
    c = Client(a.bootstrap_servers, model=a.model, reply_to="answer-all")
    try:
        print(c.answer_all(a.requests, a.answers, in_flight=a.in_flight, bulk=a.bulk), "answers written")
    finally:
        c.close()
