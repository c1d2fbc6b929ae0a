/**
 * What the model is told after a search, an open_page and a find (numbered sources, excerpts cut to the
 * context budget of each size, the citation instruction), and findCitations' spans in the answer, which must be
 * exactly what `text.slice(start_index, end_index)` gives back, non-ASCII text before the link included.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SearchHit } from '../../src/tools/web-search/backends.js';
import {
  bestPassages, CITE_INSTRUCTION, composeFind, composePage, composeResults, contextBudget, cut, findCitations, type ContextSize,
} from '../../src/tools/web-search/compose.js';
import type { PageText } from '../../src/tools/web-search/page-reader.js';

const SIZES: ContextSize[] = ['low', 'medium', 'high'];

function hit(n: number): SearchHit {
  return { url: `https://site${n}.example.com/article`, title: `Article ${n}`, snippet: `Snippet ${n} about tides.` };
}

/** A long page: many filler lines, one line about the query deep inside. */
function longPage(n: number): PageText {
  const lines: string[] = [`Site ${n} home page introduction.`];
  for (let i = 0; i < 300; i++) lines.push(`Filler line ${i} of site ${n} with nothing of interest in it at all, just words.`);
  lines.splice(200, 0, `Ocean tides are caused by the gravitational pull of the moon on site ${n}.`);
  return { url: `https://site${n}.example.com/article`, title: `Page ${n}`, text: lines.join('\n') };
}

/** The excerpt of each numbered source in a composed text. */
function excerpts(text: string): string[] {
  const body = text.split('\n\n').filter((b) => /^\[\d+\] /.test(b));
  return body.map((b) => b.split('\n').slice(1).join('\n'));
}

describe('composeResults', () => {
  test('numbered sources, "[n] Title — URL", excerpts, and the citation instruction last', () => {
    const hits = [hit(1), hit(2)];
    const { text, sources } = composeResults('tides', hits);
    assert.ok(text.startsWith('Web search results for "tides":\n\n[1] Article 1 — https://site1.example.com/article\nSnippet 1 about tides.\n\n[2] Article 2 — https://site2.example.com/article\nSnippet 2 about tides.'), text);
    assert.ok(text.endsWith(`\n\n${CITE_INSTRUCTION}`));
    assert.match(CITE_INSTRUCTION, /markdown links, \[title\]\(url\)/);
    assert.deepEqual(sources, [
      { type: 'url', url: 'https://site1.example.com/article', title: 'Article 1' },
      { type: 'url', url: 'https://site2.example.com/article', title: 'Article 2' },
    ]);
  });

  test('no hits: says so, no sources, no instruction to cite', () => {
    const { text, sources } = composeResults('zzz', []);
    assert.match(text, /^No results were found for "zzz"/);
    assert.ok(!text.includes(CITE_INSTRUCTION));
    assert.deepEqual(sources, []);
  });

  test('each size cuts every excerpt to min(perSource, total / sources), and a larger size shows more', () => {
    const hits = [1, 2, 3, 4, 5].map(hit);
    const pages = new Map(hits.map((h, i) => [h.url, longPage(i + 1)]));
    let previous = 0;
    for (const size of SIZES) {
      const { perSource, total } = contextBudget(size);
      const each = Math.min(perSource, Math.floor(total / hits.length));
      const got = excerpts(composeResults('ocean tides', hits, pages, size).text);
      assert.equal(got.length, 5);
      for (const e of got) assert.ok(e.length <= each, `${size}: ${e.length} > ${each}`);
      const shown = got.reduce((n, e) => n + e.length, 0);
      assert.ok(shown > previous, `${size} shows more than the size below it`);
      assert.ok(shown > each * 5 * 0.7, `${size}: the budget is mostly used (${shown} of ${each * 5})`);
      previous = shown;
    }
    assert.equal(contextBudget(undefined), contextBudget('medium'), 'medium is the default');
    assert.ok(contextBudget('low').total < contextBudget('medium').total && contextBudget('medium').total < contextBudget('high').total);
  });

  test('with a page, the lines matching the query are shown, even deep in the page, with … for what was skipped', () => {
    const hits = [hit(7)];
    const { text } = composeResults('what causes ocean tides', hits, new Map([[hits[0].url, longPage(7)]]), 'low');
    const [excerpt] = excerpts(text);
    assert.match(excerpt, /Ocean tides are caused by the gravitational pull of the moon on site 7\./);
    assert.match(excerpt, /\n…\n/);
  });

  test('without a page (or with one shorter than the snippet) the snippet is the excerpt', () => {
    const hits = [hit(1), hit(2)];
    const pages = new Map([[hits[1].url, { url: hits[1].url, title: 'x', text: 'tiny' }]]);
    assert.deepEqual(excerpts(composeResults('tides', hits, pages).text), ['Snippet 1 about tides.', 'Snippet 2 about tides.']);
  });

  test('a hit without a title takes the page\'s, else its URL', () => {
    const hits = [{ ...hit(1), title: '' }, { ...hit(2), title: '' }];
    const pages = new Map([[hits[0].url, { ...longPage(1), title: 'From the page' }]]);
    const { sources } = composeResults('tides', hits, pages);
    assert.deepEqual(sources.map((s) => s.title), ['From the page', 'https://site2.example.com/article']);
  });
});

describe('passages and cutting', () => {
  test('with no query term anywhere, the beginning of the text', () => {
    const page = longPage(1);
    const got = bestPassages(page.text, 'quantum chromodynamics', 300);
    assert.ok(page.text.startsWith(got.slice(0, -1)) && got.endsWith('…'), got);
    assert.ok(got.length <= 300);
  });

  test('cut() stops at a word boundary and marks the cut', () => {
    assert.equal(cut('short', 10), 'short');
    assert.equal(cut('one two three four five six', 20), 'one two three four…');
    assert.ok(cut('x'.repeat(50), 10).length <= 10);
  });
});

describe('open_page and find results', () => {
  test('open_page: the page up to the total budget, with a note when cut', () => {
    const page = longPage(3);
    const { text, sources } = composePage(page, 'low');
    assert.ok(text.startsWith('[1] Page 3 — https://site3.example.com/article\nSite 3 home page introduction.'));
    assert.match(text, /Only part of the page is shown; it has \d+ characters\. Use find/);
    assert.ok(text.length < contextBudget('low').total + 400);
    assert.deepEqual(sources, [{ type: 'url', url: page.url, title: 'Page 3' }]);
    const small = composePage({ url: 'https://a.example/', title: 'A', text: 'All of it.' });
    assert.ok(!small.text.includes('Only part'));
    assert.match(small.text, /All of it\./);
  });

  test('open_page with a query shows the matching part of a long page', () => {
    assert.match(composePage(longPage(3), 'low', 'ocean tides').text, /Ocean tides are caused/);
  });

  test('find: numbered excerpts, or a plain "does not occur"', () => {
    const page = { url: 'https://a.example/', title: 'A', text: '' };
    assert.equal(composeFind(page, 'moon', []).text, '"moon" does not occur in A — https://a.example/.');
    const found = composeFind(page, 'moon', ['…the moon rose…', '…a blue moon…']).text;
    assert.match(found, /^Occurrences of "moon" in A — https:\/\/a\.example\/:\n1\. …the moon rose…\n2\. …a blue moon…/);
  });
});

describe('findCitations', () => {
  const sources = [
    { url: 'https://www.nasa.gov/apollo-11/', title: 'Apollo 11 - NASA' },
    { url: 'https://en.wikipedia.org/wiki/Apollo_(spacecraft)', title: 'Apollo (spacecraft)' },
    { url: 'https://example.com/path?q=1', title: 'Example' },
  ];

  function spans(text: string) {
    return findCitations(text, sources).map((c) => ({ ...c, slice: text.slice(c.start_index, c.end_index) }));
  }

  test('a markdown link to a source: the span is the whole link; title and URL are the source\'s', () => {
    const text = 'Apollo 11 landed in 1969 ([NASA](https://www.nasa.gov/apollo-11/)).';
    const [c] = spans(text);
    assert.deepEqual(c, {
      url: 'https://www.nasa.gov/apollo-11/', title: 'Apollo 11 - NASA', start_index: 26, end_index: 65, slice: '[NASA](https://www.nasa.gov/apollo-11/)',
    });
    assert.equal(text.indexOf('[NASA]'), 26);
  });

  test('indices are UTF-16 code units: emoji, accents and CJK before the link', () => {
    const prefix = 'Résumé 🚀🌕 月面着陸 — ';
    const link = '[Apollo](https://www.nasa.gov/apollo-11/)';
    const text = `${prefix}${link} and more 👩‍🚀.`;
    const [c] = spans(text);
    assert.equal(c.start_index, prefix.length);
    assert.equal(prefix.length, 19, 'the prefix is 19 UTF-16 units (17 code points): the test would catch counting code points');
    assert.equal([...prefix].length, 17);
    assert.equal(c.end_index, prefix.length + link.length);
    assert.equal(c.slice, link);
  });

  test('bare URLs of sources are cited; trailing punctuation is not part of them; parentheses in a URL are', () => {
    const text = 'See https://example.com/path?q=1. Also (https://en.wikipedia.org/wiki/Apollo_(spacecraft)), and https://unknown.example/x.';
    const got = spans(text);
    assert.deepEqual(got.map((c) => c.slice), ['https://example.com/path?q=1', 'https://en.wikipedia.org/wiki/Apollo_(spacecraft)']);
    assert.deepEqual(got.map((c) => c.title), ['Example', 'Apollo (spacecraft)']);
  });

  test('links to URLs that were not sources are not cited', () => {
    assert.deepEqual(findCitations('[made up](https://nasa.gov/fake) and [other](https://example.com/path?q=2)', sources), []);
  });

  test('the same page written slightly differently (no trailing slash, a fragment, upper-case host) still counts', () => {
    const text = '[a](https://WWW.NASA.GOV/apollo-11#crew) [b](https://www.nasa.gov/apollo-11)';
    const got = spans(text);
    assert.equal(got.length, 2);
    assert.ok(got.every((c) => c.url === 'https://www.nasa.gov/apollo-11/'));
  });

  test('link forms: a parenthesised URL, <angle> URL, a "title", brackets in the label; no double count of the URL inside', () => {
    const text = [
      '[Apollo (spacecraft)](https://en.wikipedia.org/wiki/Apollo_(spacecraft))',
      '[ex](<https://example.com/path?q=1>)',
      '[NASA](https://www.nasa.gov/apollo-11/ "NASA page")',
      '[[1]](https://example.com/path?q=1)',
    ].join(' · ');
    const got = spans(text);
    assert.deepEqual(got.map((c) => c.slice), [
      '[Apollo (spacecraft)](https://en.wikipedia.org/wiki/Apollo_(spacecraft))',
      '[ex](<https://example.com/path?q=1>)',
      '[NASA](https://www.nasa.gov/apollo-11/ "NASA page")',
      '[[1]](https://example.com/path?q=1)',
    ]);
    for (let i = 1; i < got.length; i++) assert.ok(got[i].start_index >= got[i - 1].end_index, 'in order, not overlapping');
  });

  test('no sources or no URL in the text: nothing', () => {
    assert.deepEqual(findCitations('[x](https://example.com/path?q=1)', []), []);
    assert.deepEqual(findCitations('no links here', sources), []);
  });
});
