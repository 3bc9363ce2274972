-- A gateway's `last_seen_at` is presence, not configuration: the storage service refreshes it (at most every 30
-- seconds per gateway) as the gateway's batches arrive, so operators see which ward has stopped delivering.
-- Such an update must not look like an edit of the gateway:
--   * no new row version or updated_at (an administrator's ETag stays valid: no spurious 412),
--   * no recomputation of the gateway's effective configuration (no NOTIFY on vitals_config_inputs),
--   * no change event in Kafka (the Debezium connector excludes the column and skips events without a change).

DROP TRIGGER gateways_touch ON gateways;
CREATE TRIGGER gateways_touch BEFORE UPDATE ON gateways FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_seen_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_seen_at'))
  EXECUTE FUNCTION touch_row();

-- A WHEN clause may name OLD only in an UPDATE trigger: inserts and deletes keep their own trigger.
DROP TRIGGER gateways_config_input ON gateways;
CREATE TRIGGER gateways_config_input AFTER INSERT OR DELETE ON gateways
  FOR EACH ROW EXECUTE FUNCTION notify_config_input('id', 'department_id');
CREATE TRIGGER gateways_config_input_update AFTER UPDATE ON gateways FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'last_seen_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_seen_at'))
  EXECUTE FUNCTION notify_config_input('id', 'department_id');
