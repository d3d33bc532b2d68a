from airflow._graph import BashOperator

__all__ = ["BashOperator"]
