-- +goose Up
-- Seasonal rates: the nights [starts_on, ends_on) of a cabin cost nightly_rate_cents, and a stay
-- with any night in the period lasts at least min_nights (0: no minimum of its own). When periods
-- overlap (a long weekend inside the high season) the shortest one prices the night.
CREATE TABLE rate_seasons (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accommodation_id    bigint NOT NULL REFERENCES accommodations(id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (name <> ''),
    starts_on           date NOT NULL,
    ends_on             date NOT NULL,
    nightly_rate_cents  bigint NOT NULL CHECK (nightly_rate_cents >= 0),
    min_nights          int NOT NULL DEFAULT 0 CHECK (min_nights >= 0),
    CHECK (ends_on > starts_on),
    UNIQUE (accommodation_id, name, starts_on)
);
CREATE INDEX rate_seasons_accommodation ON rate_seasons (accommodation_id, starts_on);

-- When the guest of an expired hold was told (or it was decided not to tell them). The expiry
-- sweep claims rows with NULL here, so each guest hears about an expired hold once.
ALTER TABLE reservations ADD COLUMN expiry_notified_at timestamptz;
CREATE INDEX reservations_expiry_notice ON reservations (expires_at)
    WHERE status = 'expired' AND expiry_notified_at IS NULL;

-- +goose Down
DROP INDEX reservations_expiry_notice;
ALTER TABLE reservations DROP COLUMN expiry_notified_at;
DROP TABLE rate_seasons;
