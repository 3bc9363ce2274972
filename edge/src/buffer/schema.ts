/**
 * The buffer's schema as versioned migrations, applied in order inside one transaction each and recorded in
 * `PRAGMA user_version`. Never edit an applied migration; add the next one.
 *
 * `readings.seq` (the rowid) is commit order and so forwarding order; readings are compact (device and metric
 * as small integers, the UUIDv7 reading id as 16 bytes) because the buffer is sized in bytes.
 */

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE devices (
    ref INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE,
    -- next deviceSeq for HL7 messages whose MSH-10 is not an integer
    hl7_next_seq INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE readings (
    seq INTEGER PRIMARY KEY,
    reading_id BLOB NOT NULL,
    device_ref INTEGER NOT NULL,
    device_seq INTEGER NOT NULL,
    metric INTEGER NOT NULL,
    value REAL NOT NULL,
    measured_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    source INTEGER NOT NULL,
    alarm INTEGER NOT NULL,
    forwarded_at INTEGER
  );
  -- a frame resent after a lost acknowledgement (MQTT DUP, HL7 resend) is the same key: stored once
  CREATE UNIQUE INDEX readings_natural_key ON readings (device_ref, device_seq, metric, measured_at);
  CREATE INDEX readings_unsent ON readings (seq) WHERE forwarded_at IS NULL;
  CREATE INDEX readings_forwarded ON readings (alarm, seq) WHERE forwarded_at IS NOT NULL;

  -- HL7 control ids mapped to the deviceSeq they were given, so that a resent message maps to the same seq
  CREATE TABLE hl7_control_ids (
    device_ref INTEGER NOT NULL,
    control_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_ref, control_id)
  ) WITHOUT ROWID;
  CREATE INDEX hl7_control_ids_age ON hl7_control_ids (received_at);

  CREATE TABLE rejected (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    device_id TEXT,
    device_seq INTEGER,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    payload BLOB
  );

  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    reading_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    measured_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    dead_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT
  );

  -- every drop the full buffer made: nothing disappears without a trace
  CREATE TABLE drop_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    alarm INTEGER NOT NULL,
    count INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL
  );
  `,
  // 2: configuration push-down and local alarms.
  `
  -- the configuration document this gateway runs (one row): a restart without uplink keeps it
  CREATE TABLE config_applied (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  );

  -- every document received and what became of it (applied, rejected, older, repeated), bounded
  CREATE TABLE config_receipts (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    version INTEGER,
    outcome TEXT NOT NULL,
    reason TEXT
  );

  -- local alarm transitions and acknowledgements, bounded
  CREATE TABLE alarm_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    alarm_id TEXT NOT NULL,
    event TEXT NOT NULL,
    device_id TEXT NOT NULL,
    bed_id TEXT,
    patient_id TEXT,
    metric TEXT NOT NULL,
    priority TEXT,
    value REAL,
    actor TEXT,
    config_version INTEGER NOT NULL
  );
  CREATE INDEX alarm_log_alarm ON alarm_log (alarm_id);
  `,
  // 3: the active local alarms, so a restart keeps what the nurses see (and what they acknowledged).
  `
  -- one row per active alarm (device and metric): the state machine's state and the nurses' view, as JSON
  CREATE TABLE alarm_state (
    device_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    alarm TEXT NOT NULL,
    view TEXT NOT NULL,
    last_measured_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, metric)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
