"""The map: precomputed clusters, the compact points endpoint and the map pages."""
