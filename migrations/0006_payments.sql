-- +goose Up
-- Mercado Pago Checkout Pro links. Attempt 0 is the link sent with the hold; a rejected payment
-- gets a fresh link (the next attempt), made for that payment (for_payment_id) so a retried task
-- finds it instead of making another.
CREATE TABLE payment_links (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reservation_id  uuid NOT NULL REFERENCES reservations(id),
    attempt         int NOT NULL CHECK (attempt >= 0),
    preference_id   text NOT NULL UNIQUE,
    init_point      text NOT NULL,
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    currency        text NOT NULL,
    expires_at      timestamptz,
    for_payment_id  bigint UNIQUE,
    -- When the guest was sent the link: at once for links made in the chat or in a payment
    -- message; NULL for a link the reconciliation made after the chat could not (Mercado Pago
    -- was down), until it is sent.
    notified_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (reservation_id, attempt)
);

-- Every Mercado Pago payment we learned about, once (its id is the key), as the API last
-- described it, with what we decided about it:
--   outcome ''          nothing decided (pending, rejected, or not ours to act on)
--           'confirmed' this payment confirmed its reservation (at most one per reservation)
--           'refund'    we give the money back (hold expired and dates taken, duplicate, cancelled)
--           'review'    approved but wrong (amount, currency, reference): the owner decides
-- flagged marks a payment the owner must look at (review, unknown reference, a refund or a
-- chargeback of a confirmed booking).
CREATE INDEX payment_links_unsent ON payment_links (created_at) WHERE notified_at IS NULL;

CREATE TABLE payments (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mp_payment_id       bigint NOT NULL UNIQUE,
    reservation_id      uuid REFERENCES reservations(id),
    external_reference  text NOT NULL DEFAULT '',
    status              text NOT NULL,
    status_detail       text NOT NULL DEFAULT '',
    amount_cents        bigint NOT NULL,
    refunded_cents      bigint NOT NULL DEFAULT 0,
    currency            text NOT NULL DEFAULT '',
    payment_type        text NOT NULL DEFAULT '',
    date_approved       timestamptz,
    outcome             text NOT NULL DEFAULT '' CHECK (outcome IN ('', 'confirmed', 'refund', 'review')),
    outcome_reason      text NOT NULL DEFAULT '',
    flagged             boolean NOT NULL DEFAULT false,
    flag_reason         text NOT NULL DEFAULT '',
    refund_id           bigint,
    refund_status       text NOT NULL DEFAULT '',
    refund_requested_at timestamptz,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payments_one_confirming ON payments (reservation_id) WHERE outcome = 'confirmed';
CREATE INDEX payments_reservation ON payments (reservation_id);
CREATE INDEX payments_refund_due ON payments (updated_at) WHERE outcome = 'refund' AND refund_id IS NULL;

-- Every (status, status_detail) a payment was seen in, with when it was first seen and from
-- where (webhook, ipn, reconcile).
CREATE TABLE payment_statuses (
    payment_id      bigint NOT NULL REFERENCES payments(id) ON DELETE CASCADE,
    status          text NOT NULL,
    status_detail   text NOT NULL DEFAULT '',
    amount_cents    bigint NOT NULL,
    refunded_cents  bigint NOT NULL DEFAULT 0,
    source          text NOT NULL DEFAULT '',
    seen_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, status, status_detail)
);

-- The messages sent about a payment (to the guest or the owner), once each: a notification
-- delivered twice, or a task retried, never tells anyone twice.
CREATE TABLE payment_notices (
    mp_payment_id  bigint NOT NULL,
    notice         text NOT NULL,
    sent_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mp_payment_id, notice)
);

-- +goose Down
DROP TABLE payment_notices;
DROP TABLE payment_statuses;
DROP TABLE payments;
DROP TABLE payment_links;
