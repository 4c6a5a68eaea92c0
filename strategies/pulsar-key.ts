/** The key the Pulsar schemes hash: a bytes key is sent as its base64 text (partition_key_b64_encoded), and the Java client hashes that text. */
export function pulsarKey(key: string | Uint8Array): string {
  return typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.length).toString('base64');
}
