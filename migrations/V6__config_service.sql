-- Configuration service: change notifications for the effective configuration of gateways, and the reported
-- state the config-status API shows.

-- 1. Every committed change of an input of a gateway's effective configuration is announced on the channel
--    `vitals_config_inputs`. PostgreSQL delivers a NOTIFY only when its transaction commits, in commit order, to the
--    sessions listening at that moment; the config service listens and recomputes the documents of the gateways
--    the change can affect (and reconciles everything after a reconnect, when notifications may have been missed).
--    The payload carries the table, the operation, the customer and the ids named by the trigger's arguments, of
--    the old and the new row; never a name or another identifying value.
CREATE FUNCTION notify_config_input() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  o jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  n jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  ids jsonb := '{}'::jsonb;
  k text;
BEGIN
  FOREACH k IN ARRAY TG_ARGV LOOP
    ids := ids || jsonb_build_object(k, (
      SELECT coalesce(jsonb_agg(DISTINCT v), '[]'::jsonb)
        FROM (VALUES (o ->> k), (n ->> k)) AS x (v)
       WHERE v IS NOT NULL));
  END LOOP;
  PERFORM pg_notify('vitals_config_inputs', jsonb_build_object(
    'table', TG_TABLE_NAME,
    'op', TG_OP,
    'customer', coalesce(n ->> 'customer_id', o ->> 'customer_id', n ->> 'id', o ->> 'id'),
    'ids', ids)::text);
  RETURN NULL;
END $$;

CREATE TRIGGER customers_config_input AFTER INSERT OR UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('id');
CREATE TRIGGER beds_config_input AFTER INSERT OR UPDATE OR DELETE ON beds
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('id', 'department_id');
CREATE TRIGGER patients_config_input AFTER INSERT OR UPDATE OR DELETE ON patients
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('id');
CREATE TRIGGER devices_config_input AFTER INSERT OR UPDATE OR DELETE ON devices
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('id', 'model');
CREATE TRIGGER gateways_config_input AFTER INSERT OR UPDATE OR DELETE ON gateways
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('id', 'department_id');
CREATE TRIGGER device_assignments_config_input AFTER INSERT OR UPDATE OR DELETE ON device_assignments
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('bed_id', 'device_id', 'patient_id');
CREATE TRIGGER alert_thresholds_config_input AFTER INSERT OR UPDATE OR DELETE ON alert_thresholds
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('scope', 'department_id', 'patient_id');
CREATE TRIGGER device_settings_config_input AFTER INSERT OR UPDATE OR DELETE ON device_settings
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('device_id', 'model');

-- 2. Desired versus reported state.
--    desired_at        when the newest version was issued
--    applied_version   the version the gateway runs, from its newest acknowledgement (a rejected version leaves
--                      the previous one running)
--    published_*       the newest version handed to the MQTT broker (retained)
--    build_error*      why the newest inputs could not make a valid document (changed outside the config API); the
--                      previous version stays desired until the inputs are fixed
ALTER TABLE gateway_config_state
  ADD COLUMN desired_at        timestamptz,
  ADD COLUMN applied_version   bigint NOT NULL DEFAULT 0,
  ADD COLUMN published_version bigint NOT NULL DEFAULT 0,
  ADD COLUMN published_at      timestamptz,
  ADD COLUMN build_error       text,
  ADD COLUMN build_error_at    timestamptz;
CREATE INDEX gateway_config_state_customer ON gateway_config_state (customer_id, gateway_id);

-- What a version's document hashes to (SHA-256 of its canonical content, without version and issue time), and
-- what caused it (an API write with its request id, a change notification, a reconcile).
ALTER TABLE config_versions
  ADD COLUMN content_hash text,
  ADD COLUMN cause        text;

-- Every acknowledgement is kept; `superseded` marks those that did not change the reported state (older than the
-- reported version, or a version never issued), and `applied_version` what the gateway said it runs.
ALTER TABLE gateway_config_acks
  ADD COLUMN applied_version bigint,
  ADD COLUMN superseded      boolean NOT NULL DEFAULT false;
