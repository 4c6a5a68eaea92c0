'use strict';

var $protobuf = require($DEPENDENCY);

// 64-bit fields are read by the helpers below, not by protobufjs's int64/uint64, so protobufjs's shared
// Long setting is left as it is (other code in the process may use protobufjs with Long): ids come out
// as JS numbers (they stay below 2^53) without a Long allocated per field, and ack set words as exact BigInts.
var $high = 0;
function $varint64(r) {
  var buf = r.buf,
    len = r.len,
    pos = r.pos,
    low = 0,
    high = 0,
    b,
    shift;
  for (shift = 0; shift < 28; shift += 7) {
    if (pos >= len) throw RangeError('index out of range: ' + pos + ' + 1 > ' + len);
    b = buf[pos++];
    low |= (b & 127) << shift;
    if (b < 128) {
      r.pos = pos;
      $high = 0;
      return low >>> 0;
    }
  }
  if (pos >= len) throw RangeError('index out of range: ' + pos + ' + 1 > ' + len);
  b = buf[pos++];
  low |= (b & 15) << 28;
  high = (b & 127) >> 4;
  if (b < 128) {
    r.pos = pos;
    $high = high;
    return low >>> 0;
  }
  for (shift = 3; shift < 32; shift += 7) {
    if (pos >= len) throw RangeError('index out of range: ' + pos + ' + 1 > ' + len);
    b = buf[pos++];
    high |= (b & 127) << shift;
    if (b < 128) {
      r.pos = pos;
      $high = high >>> 0;
      return low >>> 0;
    }
  }
  throw Error('invalid varint encoding');
}
function $u64(r) {
  var low = $varint64(r);
  return $high * 4294967296 + low;
}
function $i64(r) {
  var low = $varint64(r);
  return ($high | 0) * 4294967296 + low;
}
function $i64exact(r) {
  var low = $varint64(r);
  return BigInt.asIntN(64, (BigInt($high) << BigInt(32)) | BigInt(low));
}

$OUTPUT;

module.exports = $root;
