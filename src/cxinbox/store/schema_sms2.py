"""Migration 8: SMS as Twilio's API really behaves (issue 10, points 7-14).

- `partially_delivered` is a final status: the partial index the status follower reads
  (`sms_messages_open_status`) is rebuilt with it among the finals, spelled exactly as
  store/sms.py's `open_outbound` spells its NOT IN list (sorted), or SQLite would not use it.
- `sms_messages_receiving`: patients' MMS stored while the provider was still "receiving"
  them, which the poller reads again until their media are listed.
"""

from __future__ import annotations

MIGRATION_8 = """
DROP INDEX IF EXISTS sms_messages_open_status;
CREATE INDEX sms_messages_open_status ON sms_messages (created_at)
    WHERE direction = 'out'
      AND status NOT IN ('canceled','delivered','failed','partially_delivered','read',
                         'received','undelivered');
CREATE INDEX sms_messages_receiving ON sms_messages (created_at)
    WHERE status = 'receiving';
"""
