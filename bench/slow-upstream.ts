/**
 * Child process for bench/background.ts: a Chat Completions upstream that streams slowly (one word every
 * `SLOW_EVERY_MS`, for `SLOW_WORDS` words), so that background runs stay running while they are measured.
 * Sends `{port}` to its parent once listening; `{open}` answers how many streams are open.
 */
import { createServer } from 'node:http';

const every = Number(process.env.SLOW_EVERY_MS ?? 250);
const words = Number(process.env.SLOW_WORDS ?? 400);
let open = 0;

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    open++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }));
    let n = 0;
    const timer = setInterval(() => {
      if (n++ < words) { res.write(chunk({ content: 'word ' })); return; }
      clearInterval(timer);
      res.end(chunk({}, 'stop') + 'data: [DONE]\n\n');
    }, every);
    res.on('close', () => { clearInterval(timer); open--; });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as { port: number }).port });
});
process.on('message', (m: string) => {
  if (m === 'open') process.send!({ open });
  if (m === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
