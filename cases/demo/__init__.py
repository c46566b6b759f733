"""The demo county: its reference data (county.py), the words its petitions are made of (text.py)
and its history, written through the services (history.py). Used by `manage.py seed_demo`; the
benchmarks' bulk generator (bench/) reads county.py and text.py too, never the other way round."""
