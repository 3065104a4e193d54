-- Scheduled orders: the time the customer asked for the order to be ready
-- (picked up or delivered), taken by a shop that was closed when it was
-- placed, or for later in the day. NULL: as soon as possible (every order
-- before this migration).
ALTER TABLE orders
  ADD COLUMN scheduled_for DATETIME(6) NULL;
