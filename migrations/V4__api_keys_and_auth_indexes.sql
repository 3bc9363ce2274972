-- Credentials of API callers (platform admins, customer admins, clinicians, and gateway-role keys). Only the
-- SHA-256 of a key is stored; the key itself is shown once, at creation. A key belongs to one customer, except a
-- platform admin's, which may belong to none.
CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid REFERENCES customers (id),
  role        text NOT NULL CHECK (role IN ('platform-admin', 'customer-admin', 'clinician', 'gateway')),
  gateway_id  text,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  key_hash    text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  key_hint    text NOT NULL,
  expires_at  timestamptz,
  revoked_at  timestamptz,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  row_version integer NOT NULL DEFAULT 1,
  CHECK (role = 'platform-admin' OR customer_id IS NOT NULL),
  CHECK (gateway_id IS NULL OR role = 'gateway'),
  FOREIGN KEY (customer_id, gateway_id) REFERENCES gateways (customer_id, id)
);
CREATE INDEX api_keys_customer ON api_keys (customer_id, created_at);
CREATE TRIGGER api_keys_touch BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Gateways authenticate on every ingest request by the hash of their token.
CREATE INDEX gateways_token_hash ON gateways (token_hash);

-- The audit history of one entity, newest first.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);
