-- Promo codes (Discord /promo create, /promo disable) and the orders that
-- used them. The order worker locks a code's row (SELECT ... FOR UPDATE)
-- in the transaction of every batch of orders naming it, checks every rule
-- and counts the use there, so two replicas racing for the last use give
-- it to exactly one order. A code used once per customer also gets a
-- unique (code, once_key) row per customer: a second use cannot commit.
CREATE TABLE promo_codes (
  code VARCHAR(20) NOT NULL PRIMARY KEY,
  kind VARCHAR(16) NOT NULL,
  value BIGINT NOT NULL,
  min_total_minor BIGINT NULL,
  valid_from DATE NULL,
  valid_until DATE NULL,
  max_uses INT UNSIGNED NULL,
  uses INT UNSIGNED NOT NULL DEFAULT 0,
  once_per_customer BOOLEAN NOT NULL,
  enabled BOOLEAN NOT NULL,
  created_by VARCHAR(80) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  command_id CHAR(36) NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE promo_uses (
  order_id CHAR(36) NOT NULL PRIMARY KEY,
  code VARCHAR(20) NOT NULL,
  customer_id VARCHAR(80) NOT NULL,
  -- The customer for a once-per-customer code, NULL otherwise (NULLs never collide).
  once_key VARCHAR(80) NULL,
  discount_minor BIGINT NOT NULL,
  used_at DATETIME(6) NOT NULL,
  UNIQUE KEY promo_once (code, once_key),
  KEY promo_customer (code, customer_id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

ALTER TABLE orders
  ADD COLUMN promo_code VARCHAR(20) NULL,
  ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
