"""Read the one VEVENT of an iTIP ``.ics`` attachment with ical.js (node), as a client
that receives it by mail does: an instance may come without its series' master."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from typing import Any

from tests.feedcheck import JS_DIR, require_icaljs

SCRIPT = (
    "import ICAL from 'ical.js';"
    "let t='';process.stdin.on('data',c=>t+=c).on('end',()=>{"
    "const root=new ICAL.Component(ICAL.parse(t));"
    "for(const z of root.getAllSubcomponents('vtimezone'))"
    "ICAL.TimezoneService.register(new ICAL.Timezone(z));"
    "const ev=new ICAL.Event(root.getFirstSubcomponent('vevent'));"
    "const iso=d=>d?d.toJSDate().toISOString():null;"
    "process.stdout.write(JSON.stringify({method:root.getFirstPropertyValue('method'),"
    "uid:ev.uid,summary:ev.summary,sequence:ev.sequence,"
    "status:ev.component.getFirstPropertyValue('status'),"
    "start:iso(ev.startDate),end:iso(ev.endDate),recurrence_id:iso(ev.recurrenceId)}));});"
)


def read_event(ics: bytes) -> dict[str, Any]:
    """method, uid, summary, sequence, status, and start/end/recurrence_id (UTC)."""
    require_icaljs()
    proc = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        input=ics,
        capture_output=True,
        timeout=60,
        cwd=JS_DIR,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"ical.js could not read the attachment: {proc.stderr.decode()}")
    out = json.loads(proc.stdout)
    for key in ("start", "end", "recurrence_id"):
        if out[key]:
            out[key] = datetime.fromisoformat(out[key].replace("Z", "+00:00"))
    return out
