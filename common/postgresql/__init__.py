"""The PostgreSQL database backend with bounded waits (``common.postgresql.base``)."""
