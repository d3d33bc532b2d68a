"""The few parts of Airflow 2.x a generated sqlsync DAG uses, recording what the DAG builds.

A test stand-in (there is no Airflow on the test machines): DAG, TaskGroup, BashOperator (with
.partial().expand() dynamic mapping), the @task decorator and XComArg (`operator.output`). Unknown
keyword arguments are refused, so a misspelt parameter fails here as it would in Airflow.
"""

import re

_dags = []
# Airflow's rule for DAG, group and task ids (airflow.utils.helpers.KEY_REGEX).
KEY_REGEX = re.compile(r"^[\w.-]+$")
_context = {"dag": None, "groups": []}

BASH_PARAMETERS = {
    "env", "append_env", "output_encoding", "skip_on_exit_code", "cwd", "do_xcom_push", "retries",
    "retry_delay", "trigger_rule", "max_active_tis_per_dagrun", "pool", "execution_timeout",
}


class XComArg:
    """What a task pushes to XCom, used as another task's argument (`operator.output`)."""

    def __init__(self, task):
        self.task = task

    def __rshift__(self, other):
        return self.task >> other


class _Node:
    def __rshift__(self, other):
        for leaf in self._leaves():
            for root in other._roots():
                root.upstream.add(leaf.task_id)
        return other


class _Task(_Node):
    def __init__(self, task_id, kind, arguments):
        dag = _context["dag"]
        if dag is None:
            raise RuntimeError(f"task {task_id} created outside a DAG")
        _check_key(task_id)
        self.task_id = ".".join([g.group_id for g in _context["groups"]] + [task_id])
        if self.task_id in dag.tasks:
            raise ValueError(f"duplicate task id {self.task_id}")
        self.kind = kind
        self.arguments = arguments
        self.upstream = set()
        for value in arguments.values():
            for arg in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(arg, XComArg):
                    self.upstream.add(arg.task.task_id)
        dag.tasks[self.task_id] = self
        for group in _context["groups"]:
            group.children.append(self)

    @property
    def output(self):
        return XComArg(self)

    def _roots(self):
        return [self]

    def _leaves(self):
        return [self]


def _check_key(key):
    if not isinstance(key, str) or not KEY_REGEX.match(key) or len(key) > 250:
        raise ValueError(f"{key!r} is not a valid Airflow id (letters, digits, _ . - only)")


def _check_bash(kwargs):
    unknown = set(kwargs) - BASH_PARAMETERS
    if unknown:
        raise TypeError(f"BashOperator got unexpected arguments {sorted(unknown)}")


class _PartialBash:
    def __init__(self, task_id, kwargs):
        self.task_id = task_id
        self.kwargs = kwargs

    def expand(self, **mapped):
        if set(mapped) != {"bash_command"}:
            raise TypeError(f"expand over {sorted(mapped)}: this stand-in maps bash_command only")
        return _Task(self.task_id, "mapped_bash", {**self.kwargs, "expand": mapped["bash_command"]})


class BashOperator(_Task):
    def __init__(self, task_id, bash_command, **kwargs):
        _check_bash(kwargs)
        super().__init__(task_id, "bash", {**kwargs, "bash_command": bash_command})

    @classmethod
    def partial(cls, task_id, **kwargs):
        _check_bash(kwargs)
        return _PartialBash(task_id, kwargs)


def task(function):
    """@task: calling the function in a DAG makes a task whose result goes to XCom."""

    def make(*args):
        dag = _context["dag"]
        prefix = ".".join([g.group_id for g in _context["groups"]] + [function.__name__])
        task_id, n = function.__name__, 0
        while (f"{prefix}__{n}" if n else prefix) in dag.tasks:
            n += 1
        if n:
            task_id = f"{task_id}__{n}"
        node = _Task(task_id, "python", {"args": list(args)})
        node.function = function
        return XComArg(node)

    return make


class TaskGroup(_Node):
    def __init__(self, group_id):
        _check_key(group_id)
        self.group_id = group_id
        self.children = []

    def __enter__(self):
        _context["groups"].append(self)
        return self

    def __exit__(self, *exc):
        _context["groups"].pop()

    def _inside(self):
        return {t.task_id for t in self.children}

    def _roots(self):
        inside = self._inside()
        return [t for t in self.children if not (t.upstream & inside)]

    def _leaves(self):
        inside = self._inside()
        upstream = set().union(*(t.upstream for t in self.children)) if self.children else set()
        return [t for t in self.children if t.task_id not in upstream & inside]


class DAG:
    def __init__(self, dag_id, **kwargs):
        _check_key(dag_id)
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = {}
        _dags.append(self)

    def __enter__(self):
        _context["dag"] = self
        return self

    def __exit__(self, *exc):
        _context["dag"] = None
