// EventBridge Scheduler -> one digest message per due member on the digest queue. The scheduler may deliver
// twice; the deliveries, not this fan-out, make each member's digest go out once.
import { getServices } from '../../shared/services.ts';

export const handler = async (event: { at?: string } | undefined) =>
  getServices().digests.startRun(null, event?.at ? { at: event.at } : {});
