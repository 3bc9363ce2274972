-- The CDC watermark. Debezium's heartbeat runs `UPDATE cdc_heartbeat SET beat_at = now() WHERE id = 1` every
-- heartbeat interval (heartbeat.action.query), and the update travels through the WAL like any other change.
-- When a consumer of the reference topics has applied a heartbeat event with beat_at = T, it has also seen
-- every reference change committed before T (Debezium emits changes in commit order). The enricher waits for
-- that before it joins a reading measured at T, so a reading taken just after a bed transfer is never joined
-- with the bed the patient has just left because the transfer's change event was still on its way.
CREATE TABLE cdc_heartbeat (
  id smallint PRIMARY KEY CHECK (id = 1),
  beat_at timestamptz NOT NULL
);
INSERT INTO cdc_heartbeat (id, beat_at) VALUES (1, now());
ALTER PUBLICATION vitals_cdc ADD TABLE cdc_heartbeat;
