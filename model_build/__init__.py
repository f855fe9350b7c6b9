"""Home Credit data layer, feature engineering, training and export of the scoring model."""
