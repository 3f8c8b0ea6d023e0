"""The executive dashboard (Streamlit). Run it with ``coo dashboard``."""
