-- Configuration documents pushed to gateways (desired state) and what gateways report back.
CREATE TABLE config_versions (
  gateway_id  text NOT NULL REFERENCES gateways (id),
  version     bigint NOT NULL CHECK (version > 0),
  customer_id uuid NOT NULL,
  document    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  PRIMARY KEY (gateway_id, version)
);

CREATE TABLE gateway_config_state (
  gateway_id       text PRIMARY KEY REFERENCES gateways (id),
  customer_id      uuid NOT NULL,
  desired_version  bigint NOT NULL DEFAULT 0,
  reported_version bigint NOT NULL DEFAULT 0,
  reported_status  text CHECK (reported_status IN ('applied', 'rejected')),
  reported_reason  text,
  reported_at      timestamptz,
  last_seen_at     timestamptz
);

CREATE TABLE gateway_config_acks (
  id          bigserial PRIMARY KEY,
  gateway_id  text NOT NULL REFERENCES gateways (id),
  version     bigint NOT NULL,
  status      text NOT NULL CHECK (status IN ('applied', 'rejected')),
  reason      text,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gateway_config_acks_gateway ON gateway_config_acks (gateway_id, received_at);

-- Windowed aggregates materialised by the analytics service; one row per query, group, metric and window.
CREATE TABLE window_aggregates (
  query_id        text NOT NULL,
  customer_id     uuid NOT NULL,
  group_kind      text NOT NULL CHECK (group_kind IN ('patient', 'department')),
  group_id        uuid NOT NULL,
  metric          text NOT NULL,
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  count           bigint NOT NULL,
  sum             double precision NOT NULL,
  min             double precision NOT NULL,
  max             double precision NOT NULL,
  last            double precision NOT NULL,
  last_measured_at timestamptz NOT NULL,
  revision        integer NOT NULL DEFAULT 1,
  is_final        boolean NOT NULL DEFAULT false,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (query_id, group_id, metric, window_start)
);
CREATE INDEX window_aggregates_customer ON window_aggregates (customer_id, group_kind, group_id, metric, window_start);

-- Kafka offsets stored with the results they produced (exactly-once sinks).
CREATE TABLE stream_offsets (
  consumer_group text NOT NULL,
  topic          text NOT NULL,
  partition      integer NOT NULL,
  next_offset    bigint NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

-- Every write through an API: who, what, when, before and after.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  customer_id uuid,
  actor_kind  text NOT NULL,
  actor_id    text NOT NULL,
  action      text NOT NULL,
  entity      text NOT NULL,
  entity_id   text,
  before      jsonb,
  after       jsonb,
  request_id  text
);
CREATE INDEX audit_log_customer_at ON audit_log (customer_id, at);
