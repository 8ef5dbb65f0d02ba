// The official openai npm client streaming a Responses API answer with an image.
// Environment: BASE_URL (http://host:port/v1), IMAGE (a PNG path), QUESTION, MAX_TOKENS.
// Prints one JSON object: the event types with their sequence numbers, the text of the deltas, the final response.
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'unused', maxRetries: 0 });
const image = 'data:image/png;base64,' + readFileSync(process.env.IMAGE).toString('base64');
const stream = await client.responses.create({
  model: 'inverse-llava',
  input: [{ role: 'user', content: [{ type: 'input_text', text: process.env.QUESTION }, { type: 'input_image', image_url: image }] }],
  max_output_tokens: Number(process.env.MAX_TOKENS),
  stream: true,
});
const events = [];
let deltas = '';
let final = null;
for await (const event of stream) {
  events.push([event.type, event.sequence_number]);
  if (event.type === 'response.output_text.delta') deltas += event.delta;
  if (event.type === 'response.completed' || event.type === 'response.incomplete') final = event.response;
}
console.log(JSON.stringify({ events, deltas, status: final?.status, text: final?.output?.[0]?.content?.[0]?.text,
  outputTokens: final?.usage?.output_tokens }));
