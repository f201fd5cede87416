// The local mailer: every digest becomes an .eml file (a real MIME message, openable in any mail client)
// and an .html file beside it, in the outbox folder. Files are named by member and period, so a digest
// written twice would overwrite itself rather than appear twice.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer } from '../shared/digests/mailer.ts';

export function createOutboxMailer(options: {
  dir: string;
  from: string;
}): Mailer & { readonly dir: string } {
  mkdirSync(options.dir, { recursive: true });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const write = (name: string, data: string | Buffer) => {
    const path = resolve(options.dir, name);
    writeFileSync(`${path}.tmp`, data);
    renameSync(`${path}.tmp`, path);
  };
  return {
    dir: options.dir,
    async send(mail) {
      const messageId = `<${mail.reference}@cofund.local>`;
      const info = await transport.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        list: { unsubscribe: { url: mail.unsubscribeUrl, comment: 'Unsubscribe' } },
        headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Cofund-Digest': mail.reference },
      });
      const file = mail.reference.replace(/[^A-Za-z0-9_.-]/g, '_');
      write(`${file}.eml`, info.message as Buffer);
      write(`${file}.html`, mail.html);
      return { messageId };
    },
  };
}
