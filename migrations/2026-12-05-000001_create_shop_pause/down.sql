DROP TABLE shop_pause;
