'use strict';

var $protobuf = require($DEPENDENCY);

// 64-bit fields decode as JS numbers (ids stay below 2^53; no Long allocation per field).
$protobuf.util.Long = undefined;
$protobuf.configure();

$OUTPUT;

module.exports = $root;
