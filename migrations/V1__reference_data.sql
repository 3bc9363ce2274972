-- Reference data: tenants and everything a reading is joined with. Every tenant-owned table carries
-- customer_id, and child rows point at their parents through (customer_id, id) so a row can never belong to
-- one customer while pointing at another customer's parent.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE customers (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug                text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  -- How gateways and dashboards may show a patient's name: full, initials, none.
  patient_name_policy text NOT NULL DEFAULT 'initials' CHECK (patient_name_policy IN ('full', 'initials', 'none')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  row_version         integer NOT NULL DEFAULT 1
);

CREATE TABLE departments (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers (id),
  code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  row_version integer NOT NULL DEFAULT 1,
  UNIQUE (customer_id, id),
  UNIQUE (customer_id, code)
);

CREATE TABLE beds (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id   uuid NOT NULL,
  department_id uuid NOT NULL,
  label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 64),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  row_version   integer NOT NULL DEFAULT 1,
  UNIQUE (customer_id, id),
  UNIQUE (department_id, label),
  FOREIGN KEY (customer_id, department_id) REFERENCES departments (customer_id, id)
);

CREATE TABLE patients (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id  uuid NOT NULL REFERENCES customers (id),
  mrn          text NOT NULL CHECK (length(mrn) BETWEEN 1 AND 64),
  given_name   text,
  family_name  text,
  birth_date   date,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  row_version  integer NOT NULL DEFAULT 1,
  UNIQUE (customer_id, id)
);
CREATE UNIQUE INDEX patients_mrn_live ON patients (customer_id, mrn) WHERE deleted_at IS NULL;

-- Devices are identified by the id they send on the wire (MQTT topic segment, HL7 OBX-18/MSH-3).
CREATE TABLE devices (
  id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
  customer_id   uuid NOT NULL REFERENCES customers (id),
  model         text NOT NULL DEFAULT 'generic',
  serial_number text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  row_version   integer NOT NULL DEFAULT 1,
  UNIQUE (customer_id, id)
);

-- Gateways authenticate with a bearer token; only its hash is stored.
CREATE TABLE gateways (
  id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  customer_id   uuid NOT NULL,
  department_id uuid NOT NULL,
  name          text NOT NULL,
  token_hash    text NOT NULL,
  token_rotated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  row_version   integer NOT NULL DEFAULT 1,
  UNIQUE (customer_id, id),
  FOREIGN KEY (customer_id, department_id) REFERENCES departments (customer_id, id)
);

-- Which patient and bed a device measures, over [valid_from, valid_to). One device is never assigned twice at
-- once, and one patient is never in two beds at once (the database refuses both).
CREATE TABLE device_assignments (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL,
  device_id   text NOT NULL,
  patient_id  uuid NOT NULL,
  bed_id      uuid NOT NULL,
  valid_from  timestamptz NOT NULL,
  valid_to    timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  row_version integer NOT NULL DEFAULT 1,
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  FOREIGN KEY (customer_id, device_id) REFERENCES devices (customer_id, id),
  FOREIGN KEY (customer_id, patient_id) REFERENCES patients (customer_id, id),
  FOREIGN KEY (customer_id, bed_id) REFERENCES beds (customer_id, id),
  CONSTRAINT device_assignments_no_overlap
    EXCLUDE USING gist (device_id WITH =, tstzrange(valid_from, valid_to, '[)') WITH &&),
  CONSTRAINT device_assignments_patient_one_bed
    EXCLUDE USING gist (patient_id WITH =, bed_id WITH <>, tstzrange(valid_from, valid_to, '[)') WITH &&)
);
CREATE INDEX device_assignments_patient ON device_assignments (customer_id, patient_id);
CREATE INDEX device_assignments_bed ON device_assignments (customer_id, bed_id);

-- Alarm rules. Scope customer (department_id and patient_id null), department, or patient. Several rules per
-- metric at different priorities give escalation bands.
CREATE TABLE alert_thresholds (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id   uuid NOT NULL REFERENCES customers (id),
  scope         text NOT NULL CHECK (scope IN ('customer', 'department', 'patient')),
  department_id uuid,
  patient_id    uuid,
  metric        text NOT NULL,
  low           double precision,
  high          double precision,
  priority      text NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
  hysteresis    double precision NOT NULL DEFAULT 0 CHECK (hysteresis >= 0),
  enabled       boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  row_version   integer NOT NULL DEFAULT 1,
  CHECK (low IS NOT NULL OR high IS NOT NULL),
  CHECK (low IS NULL OR high IS NULL OR low < high),
  CHECK ((scope = 'customer' AND department_id IS NULL AND patient_id IS NULL)
      OR (scope = 'department' AND department_id IS NOT NULL AND patient_id IS NULL)
      OR (scope = 'patient' AND patient_id IS NOT NULL AND department_id IS NULL)),
  FOREIGN KEY (customer_id, department_id) REFERENCES departments (customer_id, id),
  FOREIGN KEY (customer_id, patient_id) REFERENCES patients (customer_id, id)
);
CREATE UNIQUE INDEX alert_thresholds_one_rule ON alert_thresholds
  (customer_id, scope, coalesce(department_id, patient_id, customer_id), metric, priority);

-- Device settings per device or per model (exactly one of the two).
CREATE TABLE device_settings (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id        uuid NOT NULL REFERENCES customers (id),
  device_id          text,
  model              text,
  sampling_interval_ms integer NOT NULL DEFAULT 1000 CHECK (sampling_interval_ms BETWEEN 100 AND 3600000),
  alarms_enabled     boolean NOT NULL DEFAULT true,
  units              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  row_version        integer NOT NULL DEFAULT 1,
  CHECK ((device_id IS NULL) <> (model IS NULL)),
  FOREIGN KEY (customer_id, device_id) REFERENCES devices (customer_id, id)
);
CREATE UNIQUE INDEX device_settings_one_per_target ON device_settings (customer_id, coalesce(device_id, ''), coalesce(model, ''));

-- Every update bumps updated_at and row_version (the ETag of the APIs) whoever writes it.
CREATE FUNCTION touch_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  NEW.row_version := OLD.row_version + 1;
  RETURN NEW;
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['customers', 'departments', 'beds', 'patients', 'devices', 'gateways',
                           'device_assignments', 'alert_thresholds', 'device_settings'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION touch_row()', t || '_touch', t);
  END LOOP;
END $$;

-- Deletes must carry the whole old row to Debezium (the enricher needs it to end a version).
ALTER TABLE customers REPLICA IDENTITY FULL;
ALTER TABLE departments REPLICA IDENTITY FULL;
ALTER TABLE beds REPLICA IDENTITY FULL;
ALTER TABLE patients REPLICA IDENTITY FULL;
ALTER TABLE devices REPLICA IDENTITY FULL;
ALTER TABLE gateways REPLICA IDENTITY FULL;
ALTER TABLE device_assignments REPLICA IDENTITY FULL;
ALTER TABLE alert_thresholds REPLICA IDENTITY FULL;
ALTER TABLE device_settings REPLICA IDENTITY FULL;

-- The publication Debezium reads: reference tables only, never readings.
CREATE PUBLICATION vitals_cdc FOR TABLE
  customers, departments, beds, patients, devices, gateways, device_assignments, alert_thresholds, device_settings;
