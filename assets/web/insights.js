// Insights: the genre–genre similarity heatmap and the visitor's own genre profile.
import { api, el, svg } from './dom.js';

const $ = (id) => document.getElementById(id);

/** Light paper for 0, deep red for 1; negative similarities (rare) fade to blue. */
function cellColour(value) {
  const v = Math.max(-1, Math.min(1, value));
  const [from, to] =
    v >= 0
      ? [
          [246, 241, 230],
          [170, 28, 38],
        ]
      : [
          [246, 241, 230],
          [40, 90, 170],
        ];
  const t = Math.abs(v);
  return `rgb(${from.map((c, i) => Math.round(c + (to[i] - c) * t)).join(',')})`;
}

export async function loadHeatmap(showError) {
  let data;
  try {
    data = await api('/api/genres/similarity');
  } catch (error) {
    showError('Could not load the genre similarities', error);
    return;
  }
  const { genres, matrix } = data;
  const n = genres.length;
  const cell = 22;
  const label = Math.max(40, Math.min(150, Math.max(...genres.map((g) => g.length), 1) * 7.4 + 12));
  const size = label + n * cell;
  // Column labels lean right at 60°, so the last ones need room beyond the grid.
  const chart = svg('svg', {
    viewBox: `0 0 ${size + Math.ceil(label * 0.5)} ${size}`,
    class: 'heatmap-svg',
    role: 'img',
    'aria-label': `Similarity between ${n} genres; darker means more similar`,
  });
  genres.forEach((genre, i) => {
    const pos = label + i * cell + cell / 2;
    chart.append(svg('text', { x: label - 5, y: pos + 4, 'text-anchor': 'end', class: 'hm-label' }, [genre]));
    chart.append(svg('text', { transform: `translate(${pos + 4} ${label - 5}) rotate(-60)`, class: 'hm-label' }, [genre]));
    matrix[i].forEach((value, j) => {
      const rect = svg('rect', { x: label + j * cell, y: label + i * cell, width: cell - 1, height: cell - 1, fill: cellColour(value) });
      rect.append(svg('title', {}, [`${genre} × ${genres[j]}: ${value.toFixed(2)}`]));
      chart.append(rect);
    });
  });
  $('heatmap').replaceChildren(chart);
}

let timer;
let ticket = 0;

/** Redraws the profile for `liked` shortly after the picks stop changing. */
export function updateProfile(liked, showError) {
  clearTimeout(timer);
  const mine = ++ticket;
  if (liked.length === 0) {
    $('profile').replaceChildren();
    $('profile-empty').hidden = false;
    return;
  }
  timer = setTimeout(async () => {
    try {
      const { genres } = await api('/api/genres/profile', { liked });
      if (mine !== ticket) return;
      const sorted = [...genres].sort((a, b) => b.affinity - a.affinity);
      $('profile').replaceChildren(...sorted.map(profileBar));
      $('profile-empty').hidden = true;
    } catch (error) {
      if (mine === ticket) showError('Could not compute your genre profile', error);
    }
  }, 200);
}

function profileBar(entry) {
  const bar = el('span', { class: `bar ${entry.affinity < 0 ? 'negative' : entry.positive ? 'positive' : ''}` });
  bar.style.width = `${Math.round(Math.min(1, Math.abs(entry.affinity)) * 100)}%`;
  const value = `${entry.affinity.toFixed(2)}${entry.positive ? ' ▲' : ''}`;
  const item = el('li', { class: 'bar-row', 'data-testid': 'profile-bar' }, [
    el('span', { class: 'bar-name' }, [entry.genre]),
    el('span', { class: 'track', 'aria-hidden': 'true' }, [bar]),
    el('span', { class: 'bar-value' }, [value]),
  ]);
  item.setAttribute('aria-label', `${entry.genre}: affinity ${entry.affinity.toFixed(2)}${entry.positive ? ', one of your genres' : ''}`);
  return item;
}
