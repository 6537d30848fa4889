"""Places: where a picture was taken, from its GPS position, named offline (GeoNames)."""
