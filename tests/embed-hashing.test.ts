import { describe, expect, it } from 'vitest';
import { ReelrecError } from '../src/errors.js';
import { cosine } from '../src/recsys/embed/embedder.js';
import { HashingEmbedder, tokenise } from '../src/recsys/embed/hashing.js';
import { createRng } from '../src/recsys/random.js';

const TOY_STORY = "A cowboy doll is profoundly threatened and jealous when a new spaceman figure supplants him as top toy in a boy's room.";
const TOY_STORY_2 =
  'When the cowboy doll is stolen by a toy collector, the spaceman toy and his friends set out to rescue him before he is shipped to a museum.';
const CRIMSON_TIDE =
  'On a US nuclear missile submarine, a young first officer stages a mutiny to prevent his trigger happy captain from launching his missiles.';

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

describe('HashingEmbedder', () => {
  it('is deterministic: same text, same vector, across instances (pinned values catch scheme drift)', async () => {
    const [a] = await new HashingEmbedder().embed([TOY_STORY]);
    const [b] = await new HashingEmbedder().embed([TOY_STORY]);
    expect(b).toEqual(a);
    // Pinned so a change to tokenising, hashing or projection fails here and forces a version bump.
    const [pinned] = await new HashingEmbedder({ dimension: 8 }).embed(['Toy Story']);
    const expected = [-0.2294, 0.6882, 0, -0.4588, -0.2294, 0, 0.4588, 0];
    expected.forEach((x, k) => {
      expect(pinned[k]).toBeCloseTo(x, 4);
    });
  });

  it('returns unit vectors of the requested dimension, info naming the scheme', async () => {
    const embedder = new HashingEmbedder({ dimension: 64 });
    expect(embedder.info).toEqual({ id: 'hashing', model: 'hashing-v1-64', dimension: 64 });
    expect(new HashingEmbedder().info.dimension).toBe(256);
    const vectors = await embedder.embed([TOY_STORY, 'It', '!!!', 'Amélie (2001)', 'x']);
    for (const v of vectors) {
      expect(v).toHaveLength(64);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // Even at the smallest size, where a one-word text can hit an all-zero projection column.
    const tiny = new HashingEmbedder({ dimension: 8 });
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`);
    for (const v of await tiny.embed(words)) expect(norm(v)).toBeCloseTo(1, 5);
  });

  it('scores similar texts above unrelated ones', async () => {
    const [toy, toy2, sub] = await new HashingEmbedder().embed([TOY_STORY, TOY_STORY_2, CRIMSON_TIDE]);
    expect(cosine(toy, toy2)).toBeGreaterThan(cosine(toy, sub) + 0.1);
    expect(cosine(toy, toy2)).toBeGreaterThan(cosine(toy2, sub) + 0.1);
  });

  it('ignores case, accents and stop words', async () => {
    const embedder = new HashingEmbedder();
    const [a, b] = await embedder.embed(['Amélie in PARIS', 'the amelie of paris']);
    expect(cosine(a, b)).toBeCloseTo(1, 5);
    expect(tokenise("Children's Amélie, 2001!")).toEqual(['children', 's', 'amelie', '2001']);
  });

  it('refuses empty or whitespace-only text, naming the index', async () => {
    const err = await new HashingEmbedder().embed(['ok', '', 'x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReelrecError);
    expect(err).toMatchObject({ code: 'empty_text', message: expect.stringContaining('text 1') });
    await expect(new HashingEmbedder().embed([' \n\t'])).rejects.toMatchObject({ code: 'empty_text' });
  });

  it('rejects a nonsensical dimension', () => {
    expect(() => new HashingEmbedder({ dimension: 0 })).toThrow(/dimension/);
    expect(() => new HashingEmbedder({ dimension: 4 })).toThrow(/dimension/);
    expect(() => new HashingEmbedder({ dimension: 2.5 })).toThrow(/dimension/);
  });

  it('measures throughput on overview-sized texts', async () => {
    const rng = createRng(7);
    const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 2654435761) % 100003}`);
    const overviews = Array.from({ length: 5000 }, () =>
      Array.from({ length: 40 + rng.int(40) }, () => (rng.next() < 0.35 ? 'the' : words[rng.int(words.length)])).join(' '),
    );
    const embedder = new HashingEmbedder();
    await embedder.embed(overviews.slice(0, 200)); // warm-up for the JIT
    const start = performance.now();
    const vectors = await embedder.embed(overviews);
    const seconds = (performance.now() - start) / 1000;
    expect(vectors).toHaveLength(overviews.length);
    console.log(
      `hashing embedder: ${Math.round(overviews.length / seconds)} overviews/s (${overviews.length} texts, ${seconds.toFixed(2)} s, 256-d)`,
    );
  });
});
