import net from 'node:net';

export interface SunkMail { from: string; to: string[]; data: string }

/**
 * A minimal SMTP server on 127.0.0.1 (node:net) that accepts every letter and
 * keeps it: enough for nodemailer without TLS or auth (RFC 5321 happy path).
 */
export async function startSmtpSink(): Promise<{ port: number; mails: SunkMail[]; waitFor(n: number, ms?: number): Promise<void>; close(): Promise<void> }> {
  const mails: SunkMail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    let inData = false;
    let mail: SunkMail = { from: '', to: [], data: '' };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 sink.local ESMTP test sink');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buffer.slice(0, end).replace(/\r\n\.\./g, '\r\n.');
          buffer = buffer.slice(end + 5);
          inData = false;
          mails.push(mail);
          mail = { from: '', to: [], data: '' };
          reply('250 2.0.0 queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO') { socket.write('250-sink.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n'); }
        else if (cmd === 'HELO') reply('250 sink.local');
        else if (cmd === 'MAIL') { mail.from = line.slice(10).trim(); reply('250 2.1.0 ok'); }
        else if (cmd === 'RCPT') { mail.to.push(line.slice(8).trim().replace(/^<|>.*$/g, '')); reply('250 2.1.5 ok'); }
        else if (cmd === 'DATA') { inData = true; reply('354 end with <CRLF>.<CRLF>'); }
        else if (cmd === 'RSET') { mail = { from: '', to: [], data: '' }; reply('250 ok'); }
        else if (cmd === 'NOOP') reply('250 ok');
        else if (cmd === 'QUIT') { reply('221 bye'); socket.end(); return; }
        else reply('502 5.5.2 not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port, mails,
    async waitFor(n, ms = 10_000) {
      const until = Date.now() + ms;
      while (mails.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The text body of a sunk letter (nodemailer sends UTF-8 as quoted-printable or base64). */
export function bodyOf(data: string): string {
  const [head = '', ...rest] = data.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
