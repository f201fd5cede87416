// Where rendered digests go: SES v2 in AWS; locally an outbox folder (local/outbox-mailer.ts).
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Unique per member and period; the outbox names its files by it. */
  reference: string;
  /** One-click unsubscribe (RFC 8058). */
  unsubscribeUrl: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

export function createSesMailer(options: { from: string; region: string; client?: SESv2Client }): Mailer {
  const client = options.client ?? new SESv2Client({ region: options.region });
  return {
    async send(mail) {
      const out = await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [mail.to] },
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: mail.text, Charset: 'UTF-8' },
                Html: { Data: mail.html, Charset: 'UTF-8' },
              },
              Headers: [
                { Name: 'List-Unsubscribe', Value: `<${mail.unsubscribeUrl}>` },
                { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
                { Name: 'X-Cofund-Digest', Value: mail.reference },
              ],
            },
          },
        }),
      );
      if (!out.MessageId) throw new Error('SES accepted the digest without a message id');
      return { messageId: out.MessageId };
    },
  };
}
