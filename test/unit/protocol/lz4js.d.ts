// lz4js ships no types; only its block functions are declared (the tests decode our blocks with it)
declare module 'lz4js' {
  export function compressBound(n: number): number;
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  /** Decodes src[sIndex, sIndex + sLength) into dst from dIndex, without bounds checks; returns the end index in dst. */
  export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
}

// the frame functions, which the Kafka tests use to check LZ4 frames against an independent decoder
declare module 'lz4js' {
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
