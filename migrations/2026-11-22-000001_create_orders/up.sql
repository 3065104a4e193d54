-- chatorder schema. Money in integer minor units; times in UTC (DATETIME(6)).
-- Ids are UUIDs as CHAR(36); customers are keyed "platform:id".

CREATE TABLE customers (
  id VARCHAR(80) NOT NULL PRIMARY KEY,
  platform VARCHAR(16) NOT NULL,
  external_id VARCHAR(64) NOT NULL,
  display_name VARCHAR(128) NULL,
  phone VARCHAR(32) NULL,
  created_at DATETIME(6) NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE catalog_items (
  sku VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(128) NOT NULL,
  size VARCHAR(16) NULL,
  category VARCHAR(64) NOT NULL,
  price_minor BIGINT NOT NULL,
  currency CHAR(3) NOT NULL,
  available BOOLEAN NOT NULL,
  updated_at DATETIME(6) NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- One row: the next order number to hand out.
CREATE TABLE order_numbers (
  id TINYINT NOT NULL PRIMARY KEY,
  next_number BIGINT NOT NULL
);
INSERT INTO order_numbers (id, next_number) VALUES (1, 1001);

CREATE TABLE orders (
  id CHAR(36) NOT NULL PRIMARY KEY,
  number BIGINT NOT NULL,
  customer_id VARCHAR(80) NOT NULL,
  customer_name VARCHAR(128) NULL,
  status VARCHAR(24) NOT NULL,
  version INT NOT NULL,
  fulfilment VARCHAR(16) NOT NULL,
  address VARCHAR(300) NULL,
  note VARCHAR(500) NULL,
  total_minor BIGINT NOT NULL,
  currency CHAR(3) NOT NULL,
  placed_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY orders_number (number),
  KEY orders_customer (customer_id, number),
  KEY orders_status (status, placed_at)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE order_lines (
  order_id CHAR(36) NOT NULL,
  line_no SMALLINT NOT NULL,
  sku VARCHAR(64) NOT NULL,
  name VARCHAR(128) NOT NULL,
  quantity INT NOT NULL,
  unit_price_minor BIGINT NOT NULL,
  line_total_minor BIGINT NOT NULL,
  PRIMARY KEY (order_id, line_no)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE order_status_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id CHAR(36) NOT NULL,
  from_status VARCHAR(24) NULL,
  to_status VARCHAR(24) NOT NULL,
  actor_role VARCHAR(16) NOT NULL,
  actor_id VARCHAR(80) NOT NULL,
  reason VARCHAR(500) NULL,
  command_id CHAR(36) NOT NULL,
  at DATETIME(6) NOT NULL,
  KEY history_order (order_id, id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE order_messages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id CHAR(36) NOT NULL,
  from_role VARCHAR(16) NOT NULL,
  from_id VARCHAR(80) NOT NULL,
  body TEXT NOT NULL,
  command_id CHAR(36) NOT NULL,
  at DATETIME(6) NOT NULL,
  KEY messages_order (order_id, id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- A command id here means its effect is committed: applied at most once.
CREATE TABLE processed_commands (
  command_id CHAR(36) NOT NULL PRIMARY KEY,
  command_type VARCHAR(32) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  order_id CHAR(36) NULL,
  processed_at DATETIME(6) NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- Events committed with their cause, published at least once from here.
CREATE TABLE outbox (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id CHAR(36) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  payload MEDIUMBLOB NOT NULL,
  created_at DATETIME(6) NOT NULL,
  UNIQUE KEY outbox_event (event_id)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
