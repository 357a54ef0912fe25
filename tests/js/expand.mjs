// Expand the events of an iCalendar feed with ical.js, the parser Thunderbird uses.
//
// Usage: node expand.mjs WINDOW_START WINDOW_END < feed.ics
//   WINDOW_START / WINDOW_END: ISO 8601 instants with a zone, e.g. 2026-01-01T00:00:00Z.
// Prints a JSON array, one object per occurrence whose (possibly moved) start
// lies in [WINDOW_START, WINDOW_END), sorted by start then uid:
//   {uid, start, end, summary, status, recurrence_id}
// start / end / recurrence_id are UTC ISO strings ("2026-01-05T14:00:00Z");
// recurrence_id is null for an event that does not recur.
//
// Only the VTIMEZONEs in the file are used (the TimezoneService is reset and
// filled from them), so a wrong or missing VTIMEZONE shows up as a wrong time.
// A TZID without a VTIMEZONE in the file is an error (exit status 2).
import ICAL from "ical.js";

// Occurrences are generated up to this far past the window end, because an
// exception may move an occurrence from after the window into it.
const LOOKAHEAD_SECONDS = 400 * 24 * 3600;
const MAX_ITERATIONS = 200000;

function fail(message) {
  process.stderr.write(`expand.mjs: ${message}\n`);
  process.exit(2);
}

function parseInstant(text, name) {
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/(Z|[+-]\d\d:\d\d)$/.test(text)) {
    fail(`${name} must be an ISO 8601 instant with a zone, got ${JSON.stringify(text)}`);
  }
  return ms / 1000;
}

function iso(time) {
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function readStdin() {
  const chunks = [];
  return new Promise((resolve, reject) => {
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function collectTzids(component, found) {
  for (const prop of component.getAllProperties()) {
    const tzid = prop.getParameter("tzid");
    if (tzid) found.add(tzid);
  }
  for (const sub of component.getAllSubcomponents()) {
    if (sub.name !== "vtimezone") collectTzids(sub, found);
  }
}

async function main() {
  if (process.argv.length !== 4) fail("usage: node expand.mjs WINDOW_START WINDOW_END < feed.ics");
  const windowStart = parseInstant(process.argv[2], "WINDOW_START");
  const windowEnd = parseInstant(process.argv[3], "WINDOW_END");
  const text = await readStdin();

  let root;
  try {
    root = new ICAL.Component(ICAL.parse(text));
  } catch (err) {
    fail(`cannot parse the feed: ${err.message}`);
  }
  if (root.name !== "vcalendar") fail(`top-level component is ${root.name}, not vcalendar`);

  ICAL.TimezoneService.reset();
  const fileZones = new Set();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(zone);
    fileZones.add(zone.tzid);
  }
  const referenced = new Set();
  collectTzids(root, referenced);
  const missing = [...referenced].filter((tzid) => !fileZones.has(tzid)).sort();
  if (missing.length) fail(`TZID without a VTIMEZONE in the file: ${missing.join(", ")}`);

  // Group the VEVENTs by UID: the master (no RECURRENCE-ID) and its exceptions.
  const byUid = new Map();
  for (const vevent of root.getAllSubcomponents("vevent")) {
    const uid = vevent.getFirstPropertyValue("uid");
    if (!byUid.has(uid)) byUid.set(uid, { master: null, exceptions: [] });
    const entry = byUid.get(uid);
    if (vevent.hasProperty("recurrence-id")) {
      entry.exceptions.push(vevent);
    } else {
      if (entry.master) fail(`two VEVENTs without RECURRENCE-ID for UID ${uid}`);
      entry.master = vevent;
    }
  }

  const out = [];
  const emit = (uid, item, startDate, endDate, recurrenceId) => {
    const start = startDate.toUnixTime();
    if (start < windowStart || start >= windowEnd) return;
    out.push({
      uid,
      start: iso(startDate),
      end: iso(endDate),
      summary: item.component.getFirstPropertyValue("summary"),
      status: item.component.getFirstPropertyValue("status"),
      recurrence_id: recurrenceId ? iso(recurrenceId) : null,
    });
  };

  for (const [uid, { master, exceptions }] of byUid) {
    if (!master) fail(`exceptions without a master VEVENT for UID ${uid}`);
    const event = new ICAL.Event(master);
    for (const exception of exceptions) event.relateException(exception);
    if (!event.isRecurring()) {
      if (exceptions.length) fail(`non-recurring UID ${uid} has RECURRENCE-ID exceptions`);
      emit(uid, event, event.startDate, event.endDate, null);
      continue;
    }
    const iterator = event.iterator();
    const stopAt = windowEnd + LOOKAHEAD_SECONDS;
    let next;
    let count = 0;
    while ((next = iterator.next())) {
      if (next.toUnixTime() >= stopAt) break;
      if (++count > MAX_ITERATIONS) fail(`more than ${MAX_ITERATIONS} occurrences for ${uid}`);
      const details = event.getOccurrenceDetails(next);
      emit(uid, details.item, details.startDate, details.endDate, details.recurrenceId);
    }
  }
  out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.uid < b.uid ? -1 : 1));
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
