"""Page builders and what they are made of: blocks, charts, formatting, texts, exports. No
Streamlit.
"""
