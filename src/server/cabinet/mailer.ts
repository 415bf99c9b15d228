import nodemailer from 'nodemailer';

/** Outgoing e-mail behind one interface: SMTP in production and tests (against a local sink), memory for the demo. */
export interface Mail { to: string; subject: string; text: string }

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close?(): void;
}

export interface SmtpOptions {
  host: string;
  port: number;
  from: string;
  /** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  user?: string;
  pass?: string;
  /** Local test sinks speak plain SMTP only. */
  ignoreTLS?: boolean;
}

export class SmtpMailer implements Mailer {
  private readonly transport;
  constructor(private readonly opts: SmtpOptions) {
    this.transport = nodemailer.createTransport({
      host: opts.host, port: opts.port, secure: opts.secure ?? false, ignoreTLS: opts.ignoreTLS ?? false,
      ...(opts.user ? { auth: { user: opts.user, pass: opts.pass ?? '' } } : {}),
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000,
    });
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.opts.from, to: mail.to, subject: mail.subject, text: mail.text });
  }

  close(): void { this.transport.close(); }
}

/** smtp://user:pass@host:port?from=…  (smtps:// for TLS from the start) → SmtpMailer. */
export function smtpFromUrl(url: string): SmtpMailer {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return new SmtpMailer({
    host: u.hostname, port: Number(u.port || (secure ? 465 : 25)), secure,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
    from: u.searchParams.get('from') ?? 'Личный кабинет <no-reply@canteen.local>',
    ignoreTLS: u.searchParams.get('ignoreTLS') === '1',
  });
}

/**
 * Keeps letters in memory, for tests. Never logs them: a letter holds a
 * reset link (a password in all but name) and a parent's address.
 */
export class MemoryMailer implements Mailer {
  readonly sent: Mail[] = [];
  async send(mail: Mail): Promise<void> {
    this.sent.push(mail);
  }
}

/** No mail configured: nothing can be sent, and the pages that would send say so (ctx.mailAvailable). */
export const NO_MAILER: Mailer = {
  send: () => Promise.reject(new Error('Почта не настроена (CANTEEN_SMTP_URL)')),
};
