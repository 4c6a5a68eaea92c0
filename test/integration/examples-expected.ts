import { execFile } from 'child_process';

/** What each example in examples/ prints when it works. */
export const EXPECTED: Record<string, RegExp[]> = {
  'produce-sync': [/order-1 stored in partition [0-3] at \d+:\d+/, /pinned to partition 2\n/, /produced 4 messages/],
  'produce-then-wait': [/stored 1000 messages, the last in batch position \d+/],
  'produce-list': [/(partition [0-2] entry \d+\n){3}produced a list of 3/],
  'custom-strategy': [/vip-ada -> partition 0, bob -> partition 1/],
  'consumer-handler': [/handled 5 messages: order-1, order-2, order-3, order-4, order-5/],
  'consumer-for-await': [/event-1 payload 1 \{ n: '1' \}/, /read 3 messages/],
  admin: [/partitions: (persistent:\/\/public\/default\/inventory-\d+-partition-[0-2](, )?){3}\n/, /messages in: 6 over 3 partitions/],
  roundtrip: [/round trip: 100 of 100 messages back/],
  reader: [
    /reader from \d+:2:0: entry-3, entry-4, entry-5\n/,
    /after seek: entry-1\n/,
    /consumer after seek: entry-4; last stored: \d+:4:0\n/,
  ],
  'retry-and-dead-letter': [
    /audit now follows persistent:\/\/public\/default\/payments-\d+-billing-DLQ/,
    /tried with RECONSUMETIMES 0, 1, 2\n/,
    /dead letter card-42: charge 10 EUR RECONSUMETIMES=3 REAL_TOPIC=persistent:\/\/public\/default\/payments-\d+\n/,
  ],
};

export function runExample(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr ? `\n[stderr]\n${stderr}` : ''}` }),
    );
  });
}
