"""Migration 8: SMS as Twilio's API really behaves (issue 10, points 7-14).

- `partially_delivered` is a final status: the partial index the status follower reads
  (`sms_messages_open_status`) is rebuilt with it among the finals, spelled exactly as
  store/sms.py's `open_outbound` spells its NOT IN list (sorted), or SQLite would not use it.
- `sms_messages_receiving`: patients' MMS stored while the provider was still "receiving"
  them, which the poller reads again until their media are listed.
- Automatic texts are not answers: an SMS the provider made itself (direction
  "outbound-reply" from an auto-responder, "outbound-call" from a voice flow) becomes
  `messages.direction = 'auto'`, and the conversations that held one get their first and
  last response times again from what a person sent (as store/merge.py computes them).
- Texts staff confirmed used to be stored under a made-up `confirmed-N` id, which the
  status follower then asked the provider about on every poll. They become the
  `local-N` placeholders SMS sync replaces with the provider's id once it lists the text.
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

UPDATE messages SET direction = 'auto'
WHERE channel = 'sms' AND direction = 'out' AND raw_id IN (
    SELECT r.id FROM raw_messages r JOIN messages m ON m.raw_id = r.id
    WHERE m.channel = 'sms' AND json_valid(CAST(r.data AS TEXT))
      AND json_extract(CAST(r.data AS TEXT), '$.message.direction')
          IN ('outbound-reply', 'outbound-call'));
UPDATE conversations SET
    first_response_at = (SELECT min(m.date) FROM messages m
                         WHERE m.conversation_id = conversations.id AND m.direction = 'out'),
    last_response_at = (SELECT max(m.date) FROM messages m
                        WHERE m.conversation_id = conversations.id AND m.direction = 'out'),
    sla_dirty = 1
WHERE id IN (SELECT conversation_id FROM messages WHERE direction = 'auto');

UPDATE messages SET message_id = 'local-' || substr(message_id, 11)
WHERE channel = 'sms' AND message_id LIKE 'confirmed-%';
UPDATE outbox SET provider_id = 'local-' || substr(provider_id, 11)
WHERE channel = 'sms' AND provider_id LIKE 'confirmed-%';
UPDATE sms_messages SET sid = 'local-' || substr(sid, 11), status = 'delivered'
WHERE sid LIKE 'confirmed-%';
"""
