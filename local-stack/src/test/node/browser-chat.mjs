// Headless Chromium (Debian's, driven by playwright-core) on the chat page: choose the image, ask, watch the
// answer stream in, take a screenshot. Environment: PAGE_URL, IMAGE, QUESTION, MAX_TOKENS, SCREENSHOT, CHROMIUM.
// Prints one JSON object with what the page showed.
import { chromium } from 'playwright-core';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(process.env.PAGE_URL);
  await page.waitForFunction(() => document.getElementById('model').textContent !== '…');
  await page.click('#settings summary');
  await page.fill('#max-tokens', process.env.MAX_TOKENS);
  await page.setInputFiles('#image', process.env.IMAGE);
  await page.waitForSelector('#preview:not([hidden])');
  // Every change of the answer's text while the page streams, to see it appear piece by piece.
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => {
      const answer = document.getElementById('answer');
      if (answer) window.seen.push({ length: answer.textContent.length, state: document.body.dataset.state });
    }).observe(document.getElementById('conversation'), { subtree: true, childList: true, characterData: true });
  });
  await page.fill('#question', process.env.QUESTION);
  await page.click('#send');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state), null, { timeout: 60000 });
  const result = await page.evaluate(() => ({
    state: document.body.dataset.state,
    answer: document.getElementById('answer').textContent,
    stats: document.getElementById('stats').textContent,
    error: document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
    seen: window.seen,
    model: document.getElementById('model').textContent,
  }));
  await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
