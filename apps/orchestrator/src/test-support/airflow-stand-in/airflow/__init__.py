from airflow._graph import DAG

__all__ = ["DAG"]
