// The official openai npm client against the stack: models, a completion, a streamed completion, an error.
// Environment: BASE_URL (http://host:port/v1), API_KEY, IMAGE (a PNG path), QUESTION, MAX_TOKENS.
// Prints one JSON object with what the client returned.
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY || 'unused', maxRetries: 0 });
const image = 'data:image/png;base64,' + readFileSync(process.env.IMAGE).toString('base64');
const messages = [{
  role: 'user',
  content: [{ type: 'text', text: process.env.QUESTION }, { type: 'image_url', image_url: { url: image } }],
}];
const maxTokens = Number(process.env.MAX_TOKENS);

const models = await client.models.list();
const model = models.data[0].id;
const plain = await client.chat.completions.create({ model, messages, max_tokens: maxTokens, temperature: 0 });

const stream = await client.chat.completions.create({
  model, messages, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true },
});
let text = '';
let finish = null;
let usage = null;
let contentChunks = 0;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  const choice = chunk.choices[0];
  if (choice?.delta?.content) {
    text += choice.delta.content;
    contentChunks += 1;
  }
  if (choice?.finish_reason) finish = choice.finish_reason;
}

let error = null;
try {
  await client.chat.completions.create({ model: 'no-such-model', messages });
} catch (e) {
  error = { status: e.status, code: e.code, type: e.type };
}

console.log(JSON.stringify({
  models: models.data.map((m) => m.id),
  plain: { text: plain.choices[0].message.content, finish: plain.choices[0].finish_reason, usage: plain.usage },
  stream: { text, finish, usage, contentChunks },
  error,
}));
