// The chat page: talks to the gateway's OpenAI-compatible API (POST /v1/chat/completions, stream: true) and reads
// the server-sent events as they arrive. Stop aborts the request; the gateway then cancels the generation.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { image: null, messages: [], controller: null };

const PLAIN_WORDS = {
  invalid_api_key: 'The server needs a valid API key: enter it under Settings.',
  rate_limit_exceeded: 'The server is busy with other requests right now. Try again in a moment.',
  image_too_large: 'The image is too large for this server. Try a smaller image.',
  request_too_large: 'The request is too large for this server. Try a smaller image.',
  invalid_image: 'The image could not be used. Choose a PNG or JPEG file.',
  prompt_too_long: 'The question, with the conversation so far, is too long for the model. Start a new chat.',
  deadline_exceeded: 'The answer took too long and was stopped.',
  not_ready: 'The service is starting or one of its parts is down. Try again shortly.',
  model_not_found: 'The server does not serve this model.',
  invalid_request: 'The server could not accept this request.',
  internal_error: 'Something went wrong on the server.',
};

function showError(code, detail) {
  const box = $('error');
  box.textContent = PLAIN_WORDS[code] || 'The request failed.';
  if (detail) {
    const small = document.createElement('small');
    small.textContent = detail;
    box.appendChild(small);
  }
  box.hidden = false;
  document.body.dataset.state = 'error';
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function setImage(file) {
  if (!file) return;
  if (!['image/png', 'image/jpeg'].includes(file.type)) {
    showError('invalid_image', file.name + ' is ' + (file.type || 'not an image'));
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    state.image = reader.result; // a data URL, sent as an image_url part
    $('preview').src = state.image;
    $('preview').hidden = false;
    $('drop-hint').hidden = true;
    $('clear-image').hidden = false;
    clearError();
  };
  reader.readAsDataURL(file);
}

function clearImage() {
  state.image = null;
  $('image').value = '';
  $('preview').hidden = true;
  $('preview').removeAttribute('src');
  $('drop-hint').hidden = false;
  $('clear-image').hidden = true;
}

function addTurn(role, text) {
  const li = document.createElement('li');
  li.className = role;
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : 'Assistant';
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  li.append(who, body);
  $('conversation').appendChild(li);
  return body;
}

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = $('api-key').value.trim();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

function userMessage(question) {
  // The image goes with the first user message of the conversation.
  if (state.image && !state.messages.some((m) => Array.isArray(m.content))) {
    return { role: 'user', content: [{ type: 'text', text: question }, { type: 'image_url', image_url: { url: state.image } }] };
  }
  return { role: 'user', content: question };
}

async function ask(question) {
  clearError();
  const user = userMessage(question);
  const messages = state.messages.concat([user]);
  addTurn('user', question);
  const answer = addTurn('assistant', '');
  answer.id = 'answer';
  document.querySelectorAll('#conversation .text').forEach((n) => { if (n !== answer) n.removeAttribute('id'); });
  state.controller = new AbortController();
  document.body.dataset.state = 'streaming';
  $('send').disabled = true;
  $('stop').disabled = false;
  $('stats').textContent = 'waiting for the first token…';
  const started = performance.now();
  let first = 0;
  let last = 0;
  let tokens = 0;
  let text = '';
  let finished = false;
  try {
    const res = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: headers(),
      signal: state.controller.signal,
      body: JSON.stringify({
        model: $('model').value || undefined, messages, stream: true, stream_options: { include_usage: true },
        max_tokens: Number($('max-tokens').value) || 256, temperature: Number($('temperature').value) || 0,
      }),
    });
    if (!res.ok) {
      const body = await res.json().catch(() => null);
      showError(body?.error?.code, body?.error?.message || 'HTTP ' + res.status);
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (!data) continue;
        if (data === '[DONE]') { finished = true; continue; }
        const chunk = JSON.parse(data);
        if (chunk.error) { showError(chunk.error.code, chunk.error.message); return; }
        if (chunk.usage) tokens = chunk.usage.completion_tokens;
        const piece = chunk.choices?.[0]?.delta?.content;
        if (piece) {
          const now = performance.now();
          if (!first) first = now;
          last = now;
          if (!chunk.usage) tokens += 1;
          text += piece;
          answer.textContent = text;
          $('stats').textContent = stats(started, first, last, tokens);
        }
      }
    }
    state.messages = messages.concat([{ role: 'assistant', content: text }]);
    document.body.dataset.state = finished ? 'done' : 'error';
    if (!finished) showError('internal_error', 'the answer ended early');
  } catch (e) {
    if (e.name === 'AbortError') {
      document.body.dataset.state = 'stopped';
      state.messages = messages.concat([{ role: 'assistant', content: text }]);
    } else {
      showError(null, 'Could not reach the server: ' + e.message);
    }
  } finally {
    $('stats').textContent = first ? stats(started, first, last, tokens) + (finished ? '' : ' (stopped)') : '';
    $('send').disabled = false;
    $('stop').disabled = true;
    state.controller = null;
  }
}

function stats(started, first, last, tokens) {
  const ttft = ((first - started) / 1000).toFixed(2);
  const rate = tokens > 1 && last > first ? ((tokens - 1) / ((last - first) / 1000)).toFixed(1) : '–';
  return `time to first token ${ttft} s · ${rate} tokens/s · ${tokens} tokens`;
}

// Fills the model selector with the served ids (the first is the server's default), keeping the user's choice.
function showModels(ids) {
  const select = $('model');
  const chosen = select.value;
  if ([...select.options].map((o) => o.value).join() === ids.join()) return;
  select.textContent = '';
  for (const id of ids) select.add(new Option(id, id));
  if (ids.includes(chosen)) select.value = chosen;
}

async function refreshStatus() {
  try {
    const ready = await fetch('/health/ready');
    $('health').className = 'dot ' + (ready.ok ? 'up' : 'down');
    $('health').title = ready.ok ? 'ready' : 'not ready';
    const models = await fetch('/v1/models', { headers: headers() });
    if (models.ok) showModels((await models.json()).data.map((m) => m.id));
  } catch (e) {
    $('health').className = 'dot down';
  }
}

$('image').addEventListener('change', (e) => setImage(e.target.files[0]));
$('clear-image').addEventListener('click', clearImage);
// A sample picture: loaded like a chosen file, with a question the demo model was trained to answer.
document.querySelectorAll('#samples .sample').forEach((button) => button.addEventListener('click', async () => {
  const src = button.querySelector('img').getAttribute('src');
  const blob = await (await fetch(src)).blob();
  setImage(new File([blob], src.split('/').pop(), { type: 'image/png' }));
  $('question').value = button.dataset.question;
  $('question').focus();
}));
const drop = $('drop');
['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add('over'); }));
['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove('over'); }));
drop.addEventListener('drop', (e) => setImage(e.dataTransfer.files[0]));
$('ask').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('question').value.trim();
  if (!q || state.controller) return;
  $('question').value = '';
  ask(q);
});
$('question').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('ask').requestSubmit(); }
});
$('stop').addEventListener('click', () => state.controller?.abort());
$('new-chat').addEventListener('click', () => {
  state.controller?.abort();
  state.messages = [];
  $('conversation').textContent = '';
  $('stats').textContent = '';
  clearError();
  document.body.dataset.state = 'idle';
});
// the key lives as long as the tab (sessionStorage), not on disk for every later visitor of this browser profile
$('api-key').value = sessionStorage.getItem('inverse-llava-api-key') || '';
$('api-key').addEventListener('change', () => { sessionStorage.setItem('inverse-llava-api-key', $('api-key').value.trim()); refreshStatus(); });
refreshStatus();
setInterval(refreshStatus, 10000);
