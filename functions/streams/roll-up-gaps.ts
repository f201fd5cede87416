// Table stream -> gap rollups. Records are processed in order; a failed record is reported so Lambda retries
// from it (ReportBatchItemFailures), and one that keeps failing is set aside after its bounded attempts
// (shared/streams/set-aside.ts) so the records after it go on.
import { getServices } from '../../shared/services.ts';
import { streamConsumer } from '../../shared/streams/event-sources.ts';
import { inOrderStreamHandler } from '../../shared/streams/in-order.ts';

const consumer = streamConsumer('roll-up-gaps');

export const handler = inOrderStreamHandler((record) => getServices().processors['roll-up-gaps'](record), {
  consumer: consumer.name,
  maxAttempts: consumer.recordAttempts,
  deadLetters: () => getServices().repos.deadLetters,
});
