ALTER TABLE orders DROP COLUMN discount_minor, DROP COLUMN promo_code;
DROP TABLE promo_uses;
DROP TABLE promo_codes;
