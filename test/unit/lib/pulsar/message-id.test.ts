import { expect } from 'chai';
import { InvalidArgumentError } from '../../../../lib/core/errors';
import { MessageId } from '../../../../lib/pulsar/message-id';
import { decodeMessageIdData } from '../../../../protocol/pulsar/proto';

describe('lib/message-id', () => {
  it('prints and parses ledgerId:entryId:partition[:batchIndex]', () => {
    const plain = new MessageId('t', 2, 2 ** 40, 17);
    expect(plain.toString()).to.equal(`${2 ** 40}:17:2`);
    const batched = new MessageId('t', 0, 5, 6, 3);
    expect(batched.toString()).to.equal('5:6:0:3');
    const back = MessageId.fromString('5:6:0:3', 't');
    expect(back).to.be.instanceOf(MessageId);
    expect(back.equals(batched)).to.equal(true);
    expect(back.topic).to.equal('t');
    expect(MessageId.fromString(plain.toString()).batchIndex).to.equal(undefined);
    expect(MessageId.fromString('1:2:-1').partition).to.equal(-1);
  });

  it('refuses text that is not a message id with an InvalidArgumentError naming the form', () => {
    for (const bad of ['', '1:2', 'a:b:c', '1:2:3:4:5', '1:-2:0', `${2 ** 60}:1:0`]) {
      expect(() => MessageId.fromString(bad), bad).to.throw(InvalidArgumentError, /ledgerId|message id/);
    }
    expect(() => MessageId.fromString(42 as unknown as string)).to.throw(InvalidArgumentError);
  });

  it('serializes to the protocol MessageIdData bytes and back, ids above 2^32 included', () => {
    const id = new MessageId('orders', 3, 2 ** 33 + 1, 2 ** 32 + 9, 7);
    const bytes = id.serialize();
    const d = decodeMessageIdData(bytes);
    expect(d.ledgerId).to.equal(2 ** 33 + 1);
    expect(d.entryId).to.equal(2 ** 32 + 9);
    expect(d.partition).to.equal(3);
    expect(d.batchIndex).to.equal(7);
    const back = MessageId.deserialize(bytes, 'orders');
    expect(back.equals(id)).to.equal(true);
    expect(back.toString()).to.equal(id.toString());
  });

  it('writes what the Java client writes: no partition field for -1, no batch index when unbatched', () => {
    // ledgerId=1 entryId=2: tags 0x08 and 0x10, one varint byte each
    expect(Buffer.from(new MessageId('', -1, 1, 2).serialize()).toString('hex')).to.equal('08011002');
    expect(Buffer.from(new MessageId('', 4, 1, 2).serialize()).toString('hex')).to.equal('080110021804');
    const d = MessageId.deserialize(Buffer.from('08011002', 'hex'));
    expect(d.partition).to.equal(-1);
    expect(d.batchIndex).to.equal(undefined);
  });

  it('refuses bytes that are not a message id', () => {
    expect(() => MessageId.deserialize(Buffer.from([0xff, 0xff]))).to.throw(InvalidArgumentError);
    expect(() => MessageId.deserialize(Buffer.from('1804', 'hex'))).to.throw(InvalidArgumentError, /required/);
    expect(() => MessageId.deserialize('08011002' as unknown as Uint8Array)).to.throw(InvalidArgumentError);
  });

  it('orders by ledger, entry, partition, then batch index, unbatched first', () => {
    const ids = [
      new MessageId('t', 0, 2, 0),
      new MessageId('t', 0, 1, 5, 1),
      new MessageId('t', 0, 1, 5),
      new MessageId('t', 1, 1, 5),
      new MessageId('t', 0, 1, 5, 0),
      new MessageId('t', 0, 1, 4, 9),
    ];
    const sorted = [...ids].sort(MessageId.compare).map(String);
    expect(sorted).to.deep.equal(['1:4:0:9', '1:5:0', '1:5:0:0', '1:5:0:1', '1:5:1', '2:0:0']);
    expect(new MessageId('a', 0, 1, 1).equals(new MessageId('b', 0, 1, 1))).to.equal(false);
    expect(new MessageId('a', 0, 1, 1).equals({ topic: '', partition: 0, ledgerId: 1, entryId: 1 })).to.equal(true);
  });
});
