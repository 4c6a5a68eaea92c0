import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { CompressionType as CodecCompressionType } from '../../../../protocol/compression';
import { decodeFrame, encodeCommandFrame } from '../../../../protocol/pulsar/frame';
import {
  AckValidationError,
  CommandType,
  CompressionType,
  decodeMessageIdData,
  decodeMessageMetadata,
  encodeMessageIdData,
  encodeMessageMetadata,
  ServerError,
  ServerErrorNames,
} from '../../../../protocol/pulsar/proto';
import { cortado } from '../../../../protocol/pulsar/generated/pulsar';

// the repository root, from dist/test/unit/protocol/pulsar
const root = path.join(__dirname, '..', '..', '..', '..', '..');

/** The protobufjs reflection modules (the .proto parser's side) a fresh process has loaded after `code`. */
function reflectionModulesAfter(code: string): string[] {
  const probe = `${code}; console.log(JSON.stringify(Object.keys(require.cache).filter((p) => /protobufjs[\\\\/]src[\\\\/](parse|root|type)\\.js$/.test(p))))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' }));
}

describe('protocol/proto (generated code)', () => {
  it('round-trips ledger and entry ids above 2^32 as plain numbers', () => {
    const ledgerId = 2 ** 40 + 12345;
    const entryId = 2 ** 33 + 7;
    const id = decodeMessageIdData(encodeMessageIdData({ ledgerId, entryId, partition: 3, batchIndex: 9 }));
    expect(id.ledgerId).to.equal(ledgerId);
    expect(typeof id.ledgerId).to.equal('number');
    expect(id.entryId).to.equal(entryId);
    expect(id.partition).to.equal(3);
    expect(id.batchIndex).to.equal(9);
  });

  it('decodes 64-bit fields of a command and of metadata as numbers up to 2^53 - 1', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const frame = encodeCommandFrame({
      type: CommandType.SEND_RECEIPT,
      sendReceipt: { producerId: 2 ** 35, sequenceId: big, messageId: { ledgerId: 2 ** 50, entryId: 2 ** 32 } },
    });
    const cmd = decodeFrame(frame, 4, frame.length).command;
    expect(cmd.sendReceipt.producerId).to.equal(2 ** 35);
    expect(cmd.sendReceipt.sequenceId).to.equal(big);
    expect(cmd.sendReceipt.messageId.ledgerId).to.equal(2 ** 50);
    expect(cmd.sendReceipt.messageId.entryId).to.equal(2 ** 32);
    const md = decodeMessageMetadata(encodeMessageMetadata({ producerName: 'p', sequenceId: 2 ** 33, publishTime: 1_700_000_000_000 }));
    expect(md.sequenceId).to.equal(2 ** 33);
    expect(md.publishTime).to.equal(1_700_000_000_000);
  });

  it('answers defaults for absent fields without making them own properties', () => {
    const md = decodeMessageMetadata(encodeMessageMetadata({ producerName: 'p', sequenceId: 1, publishTime: 2 }));
    expect(md.eventTime).to.equal(0);
    expect(Object.prototype.hasOwnProperty.call(md, 'eventTime')).to.equal(false);
    expect(Object.prototype.hasOwnProperty.call(md, 'sequenceId')).to.equal(true);
  });

  it('takes every enum from the generated code, with protocol numbers and names', () => {
    expect(CommandType.TOPIC_MIGRATED).to.equal(68);
    expect(CommandType[CommandType.SEND_RECEIPT]).to.equal('SEND_RECEIPT');
    expect(ServerError.ProducerFenced).to.equal(25);
    expect(ServerErrorNames[25]).to.equal('ProducerFenced');
    expect(ServerErrorNames[ServerError.TransactionConflict]).to.equal('TransactionConflict');
    expect(Object.keys(ServerErrorNames)).to.have.length(26);
    expect(AckValidationError.BatchDeSerializeError).to.equal(3);
    expect(CodecCompressionType).to.equal(CompressionType);
    expect(CompressionType.SNAPPY).to.equal(4);
  });

  it('numbers the shared codec enum exactly as the generated MessageMetadata.compression enum', () => {
    const generated = Object.entries(cortado.pulsar.CompressionType).filter(([k]) => Number.isNaN(Number(k)));
    const shared = Object.entries(CompressionType).filter(([k]) => Number.isNaN(Number(k)));
    expect(shared).to.deep.equal(generated);
  });

  it('loads no .proto parser at run time', () => {
    // a fresh process: mocha's own imports must not hide what the package loads
    expect(reflectionModulesAfter("require('./dist/lib/index.js')")).to.deep.equal([]);
    // the probe does see the parser when something loads it
    expect(reflectionModulesAfter("require('protobufjs')")).to.have.length(3);
  });
});
