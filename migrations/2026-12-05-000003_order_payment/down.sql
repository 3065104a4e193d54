ALTER TABLE orders
  DROP COLUMN telegram_payment_charge_id,
  DROP COLUMN provider_payment_charge_id;
