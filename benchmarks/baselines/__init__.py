"""What a user would run instead of our server: REST + pickle, MLServer, perf_analyzer."""
