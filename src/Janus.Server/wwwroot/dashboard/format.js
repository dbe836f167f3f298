// Number, size, time and latency formatting for the dashboard. One place, so every panel says "12.3k" the same way.

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 19000 → "19,000". */
export function formatInteger(value) {
  return value === null || value === undefined || Number.isNaN(value) ? "–" : integer.format(Math.round(value));
}

/** A count or rate made short: 950 → "950", 12345 → "12.3k", 3.2e6 → "3.2M", 2.5 → "2.5". */
export function formatCompact(value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return "–";
  }

  const abs = Math.abs(value);
  if (abs >= 1e9) return trim(value / 1e9) + "G";
  if (abs >= 1e6) return trim(value / 1e6) + "M";
  if (abs >= 1e4) return trim(value / 1e3) + "k";
  if (abs >= 100 || Number.isInteger(value)) return integer.format(Math.round(value));
  return value.toFixed(abs >= 10 ? 1 : 2).replace(/\.?0+$/, "");
}

function trim(value) {
  return value.toFixed(Math.abs(value) >= 100 ? 0 : 1).replace(/\.0$/, "");
}

/** An axis label: 0, 500, 1.5k, 20k, 1.2M (short, and the same style on every tick). */
export function formatAxis(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return +(value / 1e6).toFixed(2) + "M";
  if (abs >= 1e3) return +(value / 1e3).toFixed(2) + "k";
  return String(+value.toFixed(2));
}

/** A latency axis label: 0, 250 µs, 2.5 ms, 80 ms, 1.5 s. */
export function formatMsAxis(ms) {
  if (ms === 0) return "0";
  if (ms < 1) return +(ms * 1000).toFixed(1) + " µs";
  if (ms < 1000) return +ms.toFixed(2) + " ms";
  return +(ms / 1000).toFixed(2) + " s";
}

/** Bytes with a binary unit: 1536 → "1.5 KiB". */
export function formatBytes(value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return "–";
  }

  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }

  return (unit === 0 ? Math.round(value) : value.toFixed(value >= 100 ? 0 : 1)) + " " + units[unit];
}

/** Milliseconds for people: 0.0421 → "42 µs", 3.14159 → "3.14 ms", 1234 → "1.23 s". */
export function formatMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) {
    return "–";
  }

  if (ms < 1) return Math.round(ms * 1000) + " µs";
  if (ms < 10) return ms.toFixed(2) + " ms";
  if (ms < 1000) return ms.toFixed(ms < 100 ? 1 : 0) + " ms";
  return (ms / 1000).toFixed(2) + " s";
}

/** A histogram bucket bound: 0.05 → "50µs", 2.5 → "2.5ms", 1000 → "1s". */
export function formatBound(ms) {
  if (ms < 1) return Math.round(ms * 1000) + "µs";
  if (ms < 1000) return ms + "ms";
  return ms / 1000 + "s";
}

/** An uptime: 93784 → "1d 2h", 3700 → "1h 1m", 75 → "1m 15s". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) {
    return "–";
  }

  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return d + "d " + h + "h";
  if (h > 0) return h + "h " + m + "m";
  if (m > 0) return m + "m " + (s % 60) + "s";
  return s + "s";
}

/** Local wall-clock time of a unix-ms instant: "14:03:27". */
export function formatClock(time, seconds = true) {
  const date = new Date(time);
  const pad = (n) => String(n).padStart(2, "0");
  return pad(date.getHours()) + ":" + pad(date.getMinutes()) + (seconds ? ":" + pad(date.getSeconds()) : "");
}

/** How long ago a unix-ms instant was: "now", "12 s ago", "3 min ago". */
export function formatAgo(time, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 2) return "now";
  if (seconds < 120) return seconds + " s ago";
  return Math.round(seconds / 60) + " min ago";
}
