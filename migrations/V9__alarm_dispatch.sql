-- Alarm dispatch (docs/alarms.md, "Alarms out"): where alarms go as HL7 v2.6 ORU^R40 over MLLP, and what the
-- dispatcher must remember across restarts to re-send unacknowledged high-priority alarms.

-- 1. Receivers (nurse call, alarm distribution): per customer, for one department or (department_id NULL) for
--    every department of the customer. An alarm goes to every enabled receiver of its customer whose department is
--    NULL or the alarm's. A configuration-service setting, like alarm thresholds (`/v1/alarm-receivers`).
CREATE TABLE alarm_receivers (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id           uuid NOT NULL REFERENCES customers (id),
  department_id         uuid,
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  host                  text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
  port                  integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  -- MSH-5 and MSH-6 of the messages sent to it.
  receiving_application text NOT NULL DEFAULT '',
  receiving_facility    text NOT NULL DEFAULT '',
  enabled               boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  row_version           integer NOT NULL DEFAULT 1,
  UNIQUE (customer_id, id),
  FOREIGN KEY (customer_id, department_id) REFERENCES departments (customer_id, id)
);
CREATE INDEX alarm_receivers_route ON alarm_receivers (customer_id, department_id) WHERE enabled;
-- Every update bumps updated_at and row_version (the ETag of /v1/alarm-receivers), like the other settings (V1).
CREATE TRIGGER alarm_receivers_touch BEFORE UPDATE ON alarm_receivers FOR EACH ROW EXECUTE FUNCTION touch_row();

-- 2. High-priority alarms that no clinician has answered yet (not cleared, not de-escalated), per dispatcher
--    consumer group. Written after the receivers acknowledged the message that made the alarm high and before that
--    record's Kafka offset is committed; written again identically if the record is read again after a crash
--    (ON CONFLICT DO NOTHING), deleted when the alarm clears or drops below high. `resends` counts the re-sends
--    every receiver acknowledged; re-send k is due at high_since + k * DISPATCHER_ESCALATION_DELAY.
CREATE TABLE alarm_dispatch_escalations (
  group_id      text NOT NULL,
  alert_id      text NOT NULL,
  topic         text NOT NULL,
  partition     integer NOT NULL,
  customer_id   uuid NOT NULL,
  -- The AlertEvent that made the alarm high, and its offset (the base of the re-sends' control ids).
  event         jsonb NOT NULL,
  source_offset bigint NOT NULL,
  high_since    timestamptz NOT NULL,
  resends       integer NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, alert_id)
);
CREATE INDEX alarm_dispatch_escalations_partition ON alarm_dispatch_escalations (group_id, topic, partition);
