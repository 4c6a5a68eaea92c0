declare module 'murmurhash-js' {
  export function murmur3(key: string, seed?: number): number;
  export function murmur2(key: string, seed?: number): number;
}
