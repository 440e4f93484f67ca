import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Hidden size of the tiny model; small so a hand computation in a test stays readable. */
export const TINY_D_MODEL = 8;

/**
 * Vocabulary in id order. Ids 0–2 are T5's special tokens; the rest are whole words written the
 * way T5's SentencePiece vocab writes them (`▁` marks a word start), so the Metaspace
 * pre-tokenizer + Unigram model map each listed word to exactly one id.
 */
export const TINY_VOCAB: readonly string[] = [
  '<pad>',
  '</s>',
  '<unk>',
  ...'a the toy story cowboy space ranger war ship pirate love heart romance comedy drama horror ghost house night dark robot future city crime police detective music dance film movie'
    .split(' ')
    .map((w) => `▁${w}`),
];

/** Row `id` of the embedding table: small integers / 4, exact in float32, no two rows collinear. */
export function tinyEmbeddingRow(id: number): number[] {
  return Array.from({ length: TINY_D_MODEL }, (_, j) => (((id * 7 + j * 3 + id * j) % 11) - 5) / 4);
}

/** The token id of a word in the tiny vocab (lower-case, without `▁`). */
export function tinyTokenId(word: string): number {
  const id = TINY_VOCAB.indexOf(`▁${word}`);
  if (id < 0) throw new Error(`"${word}" is not in the tiny vocab`);
  return id;
}

/**
 * Writes `<dir>/<id>/` laid out like a Xenova T5 export: config.json, tokenizer.json,
 * tokenizer_config.json and onnx/encoder_model{,_quantized}.onnx. The encoder is
 * `last_hidden_state = Gather(E, input_ids) * Cast(Unsqueeze(attention_mask, -1))`, so the
 * pooled output of a text is predictable from `tinyEmbeddingRow`.
 */
export async function writeTinyT5(dir: string, id: string): Promise<string> {
  const root = join(dir, id);
  await mkdir(join(root, 'onnx'), { recursive: true });
  const config = {
    model_type: 't5',
    architectures: ['T5ForConditionalGeneration'],
    is_encoder_decoder: true,
    d_model: TINY_D_MODEL,
    d_kv: 4,
    d_ff: 16,
    num_layers: 1,
    num_decoder_layers: 1,
    num_heads: 2,
    vocab_size: TINY_VOCAB.length,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
  };
  const model = encoderModel();
  await Promise.all([
    writeFile(join(root, 'config.json'), JSON.stringify(config, null, 2)),
    writeFile(join(root, 'tokenizer.json'), JSON.stringify(tokenizerJson(), null, 2)),
    writeFile(
      join(root, 'tokenizer_config.json'),
      JSON.stringify({ tokenizer_class: 'T5Tokenizer', model_max_length: 512, pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' }),
    ),
    writeFile(join(root, 'onnx', 'encoder_model.onnx'), model),
    writeFile(join(root, 'onnx', 'encoder_model_quantized.onnx'), model),
  ]);
  return root;
}

function tokenizerJson(): object {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: TINY_VOCAB.map((token, i) => [token, i < 3 ? 0 : -1]), byte_fallback: false },
  };
}

function encoderModel(): Uint8Array {
  const { TensorProto } = onnx;
  const valueInfo = (name: string, elemType: number, dims: string[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dimParam) => ({ dimParam })) } } },
  });
  const table = TINY_VOCAB.flatMap((_, id) => tinyEmbeddingRow(id));
  const graph = {
    name: 'tiny_t5_encoder',
    input: [
      valueInfo('input_ids', TensorProto.DataType.INT64, ['batch', 'seq']),
      valueInfo('attention_mask', TensorProto.DataType.INT64, ['batch', 'seq']),
    ],
    output: [valueInfo('last_hidden_state', TensorProto.DataType.FLOAT, ['batch', 'seq', 'd_model'])],
    initializer: [
      { name: 'embed', dataType: TensorProto.DataType.FLOAT, dims: [TINY_VOCAB.length, TINY_D_MODEL], floatData: table },
      { name: 'last_axis', dataType: TensorProto.DataType.INT64, dims: [1], int64Data: [-1] },
    ],
    node: [
      { opType: 'Gather', input: ['embed', 'input_ids'], output: ['gathered'], attribute: [{ name: 'axis', type: 2, i: 0 }] },
      { opType: 'Unsqueeze', input: ['attention_mask', 'last_axis'], output: ['mask3'] },
      { opType: 'Cast', input: ['mask3'], output: ['maskf'], attribute: [{ name: 'to', type: 2, i: TensorProto.DataType.FLOAT }] },
      { opType: 'Mul', input: ['gathered', 'maskf'], output: ['last_hidden_state'] },
    ],
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'reelrec-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
