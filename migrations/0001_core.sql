-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A cabin the owner rents out. Money is integer centavos (ARS).
CREATE TABLE accommodations (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    description         text NOT NULL DEFAULT '',
    capacity            int NOT NULL CHECK (capacity > 0),
    photo_urls          text[] NOT NULL DEFAULT '{}',
    amenities           text[] NOT NULL DEFAULT '{}',
    check_in_time       text NOT NULL DEFAULT '14:00',
    check_out_time      text NOT NULL DEFAULT '10:00',
    nightly_rate_cents  bigint NOT NULL CHECK (nightly_rate_cents >= 0),
    -- Weekend nights cost weekend_rate_cents when set, else nightly * weekend_multiplier_pct / 100.
    weekend_rate_cents  bigint CHECK (weekend_rate_cents >= 0),
    weekend_multiplier_pct int NOT NULL DEFAULT 100 CHECK (weekend_multiplier_pct > 0),
    -- Nights by the weekday they start on (0 = Sunday): Friday and Saturday nights by default.
    weekend_nights      int[] NOT NULL DEFAULT '{5,6}',
    min_nights          int NOT NULL DEFAULT 1 CHECK (min_nights >= 1),
    cleaning_fee_cents  bigint NOT NULL DEFAULT 0 CHECK (cleaning_fee_cents >= 0),
    deposit_percent     int NOT NULL DEFAULT 30 CHECK (deposit_percent BETWEEN 0 AND 100),
    buffer_days         int NOT NULL DEFAULT 0 CHECK (buffer_days >= 0),
    time_zone           text NOT NULL DEFAULT 'America/Argentina/Buenos_Aires',
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Everything that occupies a cabin's nights: guest bookings (holds and confirmed), the owner's
-- manual blocks and blocks imported from other channels. One exclusion constraint over all of
-- them is the guarantee against double booking. blocked_until = check_out + turnover buffer.
CREATE TABLE reservations (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE,
    accommodation_id  bigint NOT NULL REFERENCES accommodations(id),
    kind              text NOT NULL CHECK (kind IN ('booking', 'manual_block', 'imported_block')),
    status            text NOT NULL CHECK (status IN ('pre_reserved', 'confirmed', 'cancelled', 'expired', 'released')),
    check_in          date NOT NULL,
    check_out         date NOT NULL,
    blocked_until     date NOT NULL,
    guests            int NOT NULL DEFAULT 0,
    guest_phone       text,
    guest_name        text,
    guest_language    text NOT NULL DEFAULT 'es',
    total_cents       bigint NOT NULL DEFAULT 0,
    deposit_cents     bigint NOT NULL DEFAULT 0,
    quote             jsonb,
    source            text NOT NULL DEFAULT 'whatsapp',
    note              text NOT NULL DEFAULT '',
    expires_at        timestamptz,
    confirmed_at      timestamptz,
    cancelled_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    active            boolean GENERATED ALWAYS AS (status IN ('pre_reserved', 'confirmed')) STORED,
    CHECK (check_out > check_in),
    CHECK (blocked_until >= check_out),
    CHECK (status <> 'pre_reserved' OR expires_at IS NOT NULL),
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist (
        accommodation_id WITH =,
        daterange(check_in, blocked_until, '[)') WITH &&
    ) WHERE (active)
);
CREATE INDEX reservations_holds_expiry ON reservations (expires_at) WHERE status = 'pre_reserved';
CREATE INDEX reservations_guest ON reservations (guest_phone, created_at DESC);
CREATE INDEX reservations_dates ON reservations (accommodation_id, check_in);

-- Every WhatsApp message a guest sent, once (Meta redelivers; wamid is the key).
CREATE TABLE inbound_messages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wamid          text NOT NULL UNIQUE,
    wa_id          text NOT NULL,
    profile_name   text NOT NULL DEFAULT '',
    type           text NOT NULL,
    body           text NOT NULL DEFAULT '',
    reply_id       text NOT NULL DEFAULT '',
    media_id       text NOT NULL DEFAULT '',
    -- Per-guest order assigned by the ingress; messages of one guest are handled in this order.
    seq            bigint NOT NULL DEFAULT 0,
    sent_at        timestamptz NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    processed_at   timestamptz,
    raw            jsonb NOT NULL
);
CREATE INDEX inbound_messages_guest ON inbound_messages (wa_id, seq);

-- Every message the bot sent. (in_reply_to, part) makes a retried handler skip parts already sent.
CREATE TABLE outbound_messages (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wamid          text UNIQUE,
    wa_id          text NOT NULL,
    in_reply_to    text NOT NULL DEFAULT '',
    part           int NOT NULL DEFAULT 0,
    kind           text NOT NULL,
    body           text NOT NULL DEFAULT '',
    payload        jsonb,
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'delivered', 'read', 'played', 'failed')),
    error_code     int,
    error_detail   text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX outbound_messages_reply_part ON outbound_messages (in_reply_to, part) WHERE in_reply_to <> '';
CREATE INDEX outbound_messages_guest ON outbound_messages (wa_id, created_at);

-- Provider events already acted on (Meta statuses, Mercado Pago notifications, ...).
CREATE TABLE provider_events (
    provider     text NOT NULL,
    event_key    text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_key)
);

-- +goose Down
DROP TABLE provider_events;
DROP TABLE outbound_messages;
DROP TABLE inbound_messages;
DROP TABLE reservations;
DROP TABLE accommodations;
