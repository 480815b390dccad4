"""Reports people look at: the digest chart, exports and the monthly sample, built once for every chat platform."""
