// Parses what `pulsar-client consume` prints for each message:
//
//   ----- got message -----
//   publishTime:[1700000000000], eventTime:[0], key:[k], properties:[a=1, b=2], content:<dump or text>
//
// With --hex the content is a commons-io HexDump: lines of an 8-digit hex offset, up to 16
// two-digit bytes in a 48-column field, then the bytes as ASCII ('.' for the unprintable), then
// one blank line. A null value prints as "content:null".

export interface JavaMessage {
  /** exact bytes; null for a message with a null value */
  payload: Buffer | null;
  /** the key as Java's getKey() returns it (a bytes key comes back base64); null when unset */
  key: string | null;
  properties: Record<string, string>;
  publishTime: number;
  eventTime: number;
}

const BOUNDARY = '----- got message -----';
const HEADER = /^publishTime:\[(\d+)\], eventTime:\[(\d+)\], key:\[(.*)\], properties:\[(.*)\]$/s;
const DUMP_LINE = /^([0-9A-F]{8}) ((?:[0-9A-F]{2} ){1,16})/;

/** One dump line → its bytes, checked against the offset it claims and its ASCII column. */
function dumpLine(line: string, offset: number): Buffer | undefined {
  const m = DUMP_LINE.exec(line);
  if (!m || parseInt(m[1], 16) !== offset) return undefined;
  const bytes = Buffer.from(m[2].replace(/ /g, ''), 'hex');
  // offset, space, 48 columns of hex (padded), then exactly one ASCII char per byte
  return line.length === 57 + bytes.length ? bytes : undefined;
}

function parseProperties(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  // Java prints [k=v, k2=v2]; a piece without '=' is taken as the rest of a value holding ", "
  for (const piece of s ? s.split(', ') : []) {
    const eq = piece.indexOf('=');
    if (eq < 0 && last !== undefined) out[last] += `, ${piece}`;
    else out[(last = piece.slice(0, eq))] = piece.slice(eq + 1);
  }
  return out;
}

/** Every complete message in the output; `hex` false reads text content (only exact for empty or ASCII payloads). */
export function parseConsumeOutput(stdout: string, hex = true): JavaMessage[] {
  const lines = stdout.split('\n');
  const out: JavaMessage[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== BOUNDARY || i + 1 >= lines.length) continue;
    const line = lines[++i];
    // content cannot contain ", content:" (a dump or "null"), so the last one ends the header
    const at = line.lastIndexOf(', content:');
    const h = at < 0 ? null : HEADER.exec(line.slice(0, at));
    if (!h) continue; // a boundary cut short, e.g. by the tool failing on this message
    const first = line.slice(at + ', content:'.length);
    let payload: Buffer | null;
    if (first === 'null') {
      payload = null;
    } else if (!hex) {
      payload = Buffer.from(first, 'utf8');
    } else {
      const parts: Buffer[] = [];
      let size = 0;
      for (let l = first; ; l = lines[++i]) {
        const bytes = dumpLine(l, size);
        if (!bytes) throw new Error(`unexpected line in pulsar-client --hex output at byte ${size}: ${JSON.stringify(l.slice(0, 120))}`);
        parts.push(bytes);
        size += bytes.length;
        if (bytes.length < 16 || lines[i + 1] === '' || lines[i + 1] === undefined) break;
      }
      payload = Buffer.concat(parts, size);
    }
    out.push({
      payload,
      key: h[3] === 'null' ? null : h[3],
      properties: parseProperties(h[4]),
      publishTime: Number(h[1]),
      eventTime: Number(h[2]),
    });
  }
  return out;
}
