DROP TABLE forecast_accuracy;
DROP TABLE demand_forecasts;
DROP TABLE model_runs;
