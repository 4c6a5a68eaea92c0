/**
 * The receipt types of the registered backends, by backend name; each backend adds its own
 * (Pulsar: `pulsar: MessageId`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ReceiptTypes {}

/** Where a backend stored a message: one type per backend, told apart by narrowing. */
export type Receipt = ReceiptTypes[keyof ReceiptTypes];
