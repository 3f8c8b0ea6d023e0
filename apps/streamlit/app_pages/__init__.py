"""Dashboard pages, one script each (run by st.navigation)."""
