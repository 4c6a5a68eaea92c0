import type { cortado } from './generated/pulsar';

/**
 * A message as decoded: protobufjs answers every scalar, bytes and repeated field with its
 * value or its default, so each is typed as present; nested messages the client reads are
 * always sent by the broker. (`own()`-style hasOwnProperty checks tell sent from defaulted.)
 */
export type Decoded<I> = { [K in keyof I]-?: DecodedValue<Exclude<I[K], null | undefined>> };
type DecodedValue<T> = T extends Uint8Array
  ? Uint8Array
  : T extends readonly (infer E)[]
    ? DecodedValue<E>[]
    : T extends object
      ? Decoded<T>
      : T;

/** A shape to encode: the keys in R required, the rest optional, nested values as decoded. */
export type Encodable<I, R extends keyof I> = Pick<Decoded<I>, R> & Partial<Omit<Decoded<I>, R>>;

/** A MessageMetadata to encode: producer name, sequence id and publish time required. */
export type MessageMetadata = Encodable<cortado.pulsar.IMessageMetadata, 'producerName' | 'sequenceId' | 'publishTime'>;
