-- +goose Up
-- iCal channel sync. A feed is another channel's export of one cabin's calendar (Airbnb,
-- Booking.com, ...), imported every ICAL_SYNC_MINUTES; an export is our calendar of that cabin as
-- one channel must see it, behind a secret URL of its own.

-- One imported feed per (cabin, channel). Its blocks are the reservations rows with
-- kind = 'imported_block', source = channel and this cabin.
CREATE TABLE ical_feeds (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accommodation_id  bigint NOT NULL REFERENCES accommodations(id),
    channel           text NOT NULL CHECK (channel ~ '^[a-z0-9][a-z0-9._-]{0,31}$'),
    url               text NOT NULL CHECK (url ~* '^https?://.'),
    enabled           boolean NOT NULL DEFAULT true,
    -- Conditional GET validators of the last good fetch.
    etag              text NOT NULL DEFAULT '',
    last_modified     text NOT NULL DEFAULT '',
    -- Status: the last attempt and its result (ok, unchanged = 304, suspect = fetched but not
    -- trusted to release anything, failed), the last good sync, what the feed holds.
    last_attempt_at   timestamptz,
    last_success_at   timestamptz,
    last_result       text NOT NULL DEFAULT 'new' CHECK (last_result IN ('new', 'ok', 'unchanged', 'suspect', 'failed')),
    last_error        text NOT NULL DEFAULT '',
    healthy           boolean NOT NULL DEFAULT true,
    event_count       int NOT NULL DEFAULT 0,
    night_count       int NOT NULL DEFAULT 0,
    pending_count     int NOT NULL DEFAULT 0,
    -- Set when the owner was told the feed went stale; cleared by the next good sync.
    stale_alerted_at  timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (accommodation_id, channel)
);

-- The nights a feed blocks (from the cabin's today on), whatever became of them locally: a
-- night is an imported block, or sits under another occupancy (a conflict when that is a
-- guest's hold or booking). missing_since marks a pending release: the last good fetch no
-- longer listed the night, and the next good fetch must agree before it is released.
CREATE TABLE ical_feed_nights (
    feed_id        bigint NOT NULL REFERENCES ical_feeds(id) ON DELETE CASCADE,
    night          date NOT NULL,
    reserved       boolean NOT NULL DEFAULT false,
    missing_since  timestamptz,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (feed_id, night)
);

-- The secret export URL /ical/<token>.ics of a (cabin, channel). Rotating replaces the token.
-- content_hash / content_changed_at give the feed a Last-Modified that moves exactly when its
-- bytes change.
CREATE TABLE ical_exports (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accommodation_id    bigint NOT NULL REFERENCES accommodations(id),
    channel             text NOT NULL CHECK (channel ~ '^[a-z0-9][a-z0-9._-]{0,31}$'),
    token               text NOT NULL UNIQUE CHECK (length(token) >= 22),
    content_hash        text NOT NULL DEFAULT '',
    content_changed_at  timestamptz NOT NULL DEFAULT now(),
    rotated_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (accommodation_id, channel)
);

-- An imported claim over a guest's hold or booking (including its turnover buffer): the other
-- channel sold or closed nights we had already given. Never dropped: kept until the overlap
-- ends, counted, and sent to the owner (alerted_at).
CREATE TABLE ical_conflicts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feed_id           bigint NOT NULL REFERENCES ical_feeds(id) ON DELETE CASCADE,
    accommodation_id  bigint NOT NULL REFERENCES accommodations(id),
    reservation_id    uuid NOT NULL REFERENCES reservations(id),
    -- The overlapping nights: first_night .. end_night (exclusive), night_count of them.
    first_night       date NOT NULL,
    end_night         date NOT NULL,
    night_count       int NOT NULL CHECK (night_count > 0),
    -- The other channel lists a reservation there (Airbnb "Reserved"), not just a closed night.
    reserved          boolean NOT NULL DEFAULT false,
    -- A closed-night event with exactly the local occupancy's dates: probably the other channel
    -- re-exporting our own export. Still stored and sent, worded accordingly.
    likely_echo       boolean NOT NULL DEFAULT false,
    detected_at       timestamptz NOT NULL DEFAULT now(),
    alerted_at        timestamptz,
    resolved_at       timestamptz,
    CHECK (end_night > first_night)
);
CREATE UNIQUE INDEX ical_conflicts_open ON ical_conflicts (feed_id, reservation_id) WHERE resolved_at IS NULL;
CREATE INDEX ical_conflicts_reservation ON ical_conflicts (reservation_id);
CREATE INDEX ical_conflicts_unalerted ON ical_conflicts (feed_id) WHERE resolved_at IS NULL AND alerted_at IS NULL;

-- The export and the sync read a cabin's imported blocks by channel.
CREATE INDEX reservations_imported ON reservations (accommodation_id, source) WHERE kind = 'imported_block' AND active;

-- +goose Down
DROP INDEX reservations_imported;
DROP TABLE ical_conflicts;
DROP TABLE ical_exports;
DROP TABLE ical_feed_nights;
DROP TABLE ical_feeds;
