from airflow._graph import task

__all__ = ["task"]
