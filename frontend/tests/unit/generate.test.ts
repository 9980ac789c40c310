import { describe, expect, it } from 'vitest';
import { optionsFor, reasonText } from '../../src/lib/api/generate';
import { synth } from '../../wailsjs/go/models';

const settings = synth.Options.createFrom({ strategy: 'few_shot', variations: 4, temperature: 0.5, max_share: 25, preserve_intent: false });

describe('optionsFor', () => {
  it('fills the gaps with the chosen settings and nothing else to start from', () => {
    const o = optionsFor({ kind: 'gaps' }, settings);
    expect(o.gaps).toBe(true);
    expect(o.record_ids).toEqual([]);
    expect(o.topic).toBe('');
    expect(o.count).toBe(0);
    expect([o.strategy, o.variations, o.temperature, o.max_share, o.preserve_intent]).toEqual(['few_shot', 4, 0.5, 25, false]);
  });

  it('starts from chosen records or from a topic with a count, never both', () => {
    const r = optionsFor({ kind: 'records', ids: [3, 9] }, settings);
    expect([r.gaps, r.record_ids, r.topic]).toEqual([false, [3, 9], '']);
    const t = optionsFor({ kind: 'topic', topic: 'billing', count: 12 }, settings);
    expect([t.gaps, t.record_ids, t.topic, t.count]).toEqual([false, [], 'billing', 12]);
  });

  it('never accepts on its own: review comes first', () => {
    expect(optionsFor({ kind: 'gaps' }, synth.Options.createFrom({ ...settings, accept_passing: true })).accept_passing).toBe(false);
  });
});

describe('reasonText', () => {
  it('names every reason a check gives', () => {
    for (const r of [
      'too_short',
      'too_long',
      'assistant_artefact',
      'placeholder',
      'template_braces',
      'role_label',
      'invalid',
      'duplicate_of_seed',
      'duplicate_of_candidate',
      'near_duplicate_of_seed',
      'near_duplicate_of_candidate',
      'rejected_by_user',
    ]) {
      expect(reasonText[r], r).toBeTruthy();
    }
  });
});
