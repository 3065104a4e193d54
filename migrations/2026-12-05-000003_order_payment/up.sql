-- Payment in chat (Telegram payments): an order paid before it was placed
-- keeps the charge ids a refund names. What was paid is the order's
-- total_minor (after any promo code's discount) and currency: the order worker places a paid order only for
-- exactly its total and never changes a paid order's lines. NULL: paid
-- when handed over (every order before this migration).
ALTER TABLE orders
  ADD COLUMN telegram_payment_charge_id VARCHAR(255) NULL,
  ADD COLUMN provider_payment_charge_id VARCHAR(255) NULL;
