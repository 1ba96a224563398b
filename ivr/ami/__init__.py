"""AMI: a thin layer over panoramisk's Manager."""
