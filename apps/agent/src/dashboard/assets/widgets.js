// Dashboard building blocks: number formats and a uPlot time chart that keeps the last MAX_POINTS points.
const MAX_POINTS = 900;

export const fmtCount = (n) => (n == null ? '–' : Number(n).toLocaleString());
export const fmtPct = (r) => (r == null ? '–' : `${(r * 100).toFixed(1)} %`);

export function fmtMs(ms) {
  if (ms == null) return '–';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  return ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function fmtDuration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export const fmtAgo = (t) => (t == null ? 'never' : `${fmtDuration(Math.max(0, Date.now() - t))} ago`);

/** A chart and its columns; points past MAX_POINTS fall off the left. */
export function chart(el, series, yLabel, yRange) {
  const data = [[], ...series.map(() => [])];
  // uPlot is the global of the vendored IIFE build, which index.html loads before this module.
  const plot = new uPlot(
    {
      width: el.clientWidth || 400,
      height: 180,
      series: [{}, ...series.map((s) => ({ spanGaps: true, width: 2, ...s }))],
      scales: yRange ? { y: { range: yRange } } : {},
      axes: [{}, { label: yLabel, size: 56 }],
    },
    data,
    el,
  );
  return {
    plot,
    add(t, values) {
      data[0].push(t / 1000);
      for (const [i, v] of values.entries()) data[i + 1].push(v);
      if (data[0].length > MAX_POINTS) for (const column of data) column.shift();
      plot.setData(data);
    },
    resize() {
      plot.setSize({ width: el.clientWidth, height: 180 });
    },
  };
}
