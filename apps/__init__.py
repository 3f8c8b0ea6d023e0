"""Applications built on the platform (the Streamlit dashboard)."""
