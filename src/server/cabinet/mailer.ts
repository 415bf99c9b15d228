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

/** Keeps letters in memory (demo without SMTP: the server log shows them). */
export class MemoryMailer implements Mailer {
  readonly sent: Mail[] = [];
  constructor(private readonly log?: (line: string) => void) {}
  async send(mail: Mail): Promise<void> {
    this.sent.push(mail);
    this.log?.(`письмо для ${mail.to}: ${mail.subject}\n${mail.text}`);
  }
}
