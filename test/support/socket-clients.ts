/**
 * Real clients in child processes (curl, Python's urllib) and a raw TCP client, for tests that must see what a real
 * client sees: status lines, headers, and whether the connection is answered and closed at all. Child processes
 * run asynchronously, because the server under test lives in the test's own event loop.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';

export interface CurlResult {
  status: number;
  seconds: number;
  headers: string;
  body: string;
  exitCode: number;
}

/** Runs curl with `args`, returning status, time, raw response headers and body; curl's own failures included. */
export function curl(args: string[], timeoutSeconds = 30): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-sS', '-D', '-', '--max-time', String(timeoutSeconds), '-w', '\n%{http_code} %{time_total}', ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        const lastBreak = stdout.lastIndexOf('\n');
        const [code = '0', time = '0'] = stdout.slice(lastBreak + 1).split(' ');
        const response = stdout.slice(0, lastBreak);
        const split = response.search(/\r?\n\r?\n(?!HTTP\/)/);
        const headers = split >= 0 ? response.slice(0, split) : response;
        const body = split >= 0 ? response.slice(split).replace(/^\r?\n\r?\n/, '') : '';
        const exitCode = error && typeof error.code === 'number' ? error.code : 0;
        resolve({ status: Number(code), seconds: Number(time), headers, body, exitCode });
      },
    );
  });
}

/** Runs a Python 3 snippet (system python, standard library only) and returns its stdout. */
export function python(script: string, args: string[], timeoutMs = 30000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Sends `head` and `body` over a plain TCP connection, then either half-closes (FIN, still reading) or destroys the
 * socket; resolves with whatever the server answered before the connection ended.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer,
  ending: 'half-close' | 'destroy',
  timeoutMs = 15000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of connection within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString()}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(head);
    socket.write(body, () => {
      if (ending === 'half-close') socket.end();
      else socket.destroy();
    });
  });
}
