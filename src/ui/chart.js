// A small line chart drawn on <canvas>: completed and failed tasks per second.

const COLORS = { succeeded: '#2e9d5b', failed: '#d6453d', grid: '#e3e6ea', text: '#5b6470' };

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{start: number, values: {succeeded: number[], failed: number[]}}} series
 *   one value per second from `start` (epoch seconds)
 */
export function drawThroughputChart(canvas, series) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 600;
  const height = canvas.clientHeight || 180;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const left = 44;
  const right = 8;
  const top = 10;
  const bottom = 22;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const count = series.values.succeeded.length;
  const peak = Math.max(1, ...series.values.succeeded, ...series.values.failed);
  const max = niceCeiling(peak);

  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = COLORS.text;
  ctx.strokeStyle = COLORS.grid;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let step = 0; step <= 4; step++) {
    const value = (max / 4) * step;
    const y = top + plotHeight - (plotHeight * step) / 4;
    ctx.beginPath();
    ctx.moveTo(left, Math.round(y) + 0.5);
    ctx.lineTo(left + plotWidth, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillText(formatRate(value), left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const minutes = Math.round(count / 60);
  for (let minute = 0; minute <= minutes; minute++) {
    const x = left + plotWidth - (plotWidth * minute * 60) / Math.max(1, count - 1);
    ctx.textAlign = minute === 0 ? 'right' : 'center';
    ctx.fillText(minute === 0 ? 'now' : `-${minute}m`, x, top + plotHeight + 6);
  }

  for (const kind of /** @type {const} */ (['succeeded', 'failed'])) {
    const values = series.values[kind];
    ctx.strokeStyle = COLORS[kind];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    values.forEach((value, index) => {
      const x = left + (plotWidth * index) / Math.max(1, count - 1);
      const y = top + plotHeight - (plotHeight * value) / max;
      if (index === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

/** @param {number} value */
function niceCeiling(value) {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

/** @param {number} value */
export function formatRate(value) {
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
