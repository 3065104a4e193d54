-- Owners' pause of new orders (Discord /pause, /resume): one row while
-- paused, shared by every order-worker replica and kept across restarts.
-- A timed pause ends by itself at ends_at; /resume deletes the row.
CREATE TABLE shop_pause (
  id TINYINT NOT NULL PRIMARY KEY,
  since DATETIME(6) NOT NULL,
  ends_at DATETIME(6) NULL,
  reason VARCHAR(500) NULL,
  paused_by VARCHAR(80) NOT NULL,
  command_id CHAR(36) NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
