from airflow._graph import TaskGroup

__all__ = ["TaskGroup"]
