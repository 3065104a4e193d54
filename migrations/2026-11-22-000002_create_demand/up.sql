-- The demand worker's tables: trained models, forecasts, and how they did.

-- Every training run, promoted or not, with its validation scores.
CREATE TABLE model_runs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  trained_at DATETIME(6) NOT NULL,
  data_from DATE NOT NULL,
  data_to DATE NOT NULL,
  feature_version VARCHAR(32) NOT NULL,
  model_path VARCHAR(512) NOT NULL,
  train_seconds DOUBLE NOT NULL,
  model_wape DOUBLE NOT NULL,
  seasonal_naive_wape DOUBLE NOT NULL,
  mean_28d_wape DOUBLE NOT NULL,
  -- what serves forecasts after this run: model | seasonal_naive | mean_28d
  serving VARCHAR(32) NOT NULL,
  note TEXT NOT NULL,
  KEY model_runs_trained (trained_at)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- Units expected per item and local hour of a day, with an 80% interval;
-- `actual` is filled in once the day is over.
CREATE TABLE demand_forecasts (
  day DATE NOT NULL,
  sku VARCHAR(64) NOT NULL,
  hour TINYINT NOT NULL,
  mean DOUBLE NOT NULL,
  p10 DOUBLE NOT NULL,
  p90 DOUBLE NOT NULL,
  predictor VARCHAR(32) NOT NULL,
  model_run_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  actual INT NULL,
  PRIMARY KEY (day, sku, hour)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- How each day's forecast did, kept to track accuracy over time.
CREATE TABLE forecast_accuracy (
  day DATE NOT NULL PRIMARY KEY,
  predictor VARCHAR(32) NOT NULL,
  forecast_units DOUBLE NOT NULL,
  actual_units BIGINT NOT NULL,
  item_day_wape DOUBLE NOT NULL,
  computed_at DATETIME(6) NOT NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
