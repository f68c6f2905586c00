"""The HQ audit dashboard: a Streamlit app over a typed query layer."""
