"""The Streamlit layer: the only code that imports Streamlit."""
