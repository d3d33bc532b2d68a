"""Loads a DAG file with the stand-in `airflow` package, prints its structure and, with --execute,
runs its tasks in dependency order as an Airflow worker would.

    python3 run_dag.py DAG_FILE [--execute]

Prints one JSON object: {"dag": ..., "tasks": [...], "runs": [...]}. Bash commands run with
`bash -c`, stderr merged into stdout as Airflow's BashOperator does; the last line goes to XCom;
exit code `skip_on_exit_code` (default 99) marks the task skipped; any other non-zero exit fails
the task and stops the run. Mapped tasks run their commands concurrently, at most
max_active_tis_per_dagrun at a time, like tasks on separate workers. @task functions are called
with their XCom arguments. A task whose upstream was skipped is skipped (trigger rule all_success).
"""
import importlib.util
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from airflow import _graph


def load(path):
    spec = importlib.util.spec_from_file_location("generated_dag", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if len(_graph._dags) != 1:
        raise SystemExit(f"expected one DAG in {path}, found {len(_graph._dags)}")
    return _graph._dags[0]


def describe(value):
    if isinstance(value, _graph.XComArg):
        return {"xcom_from": value.task.task_id}
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if hasattr(value, "total_seconds"):
        return {"seconds": value.total_seconds()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def structure(dag):
    return {
        "dag_id": dag.dag_id,
        **{k: describe(v) for k, v in dag.kwargs.items() if k != "default_args"},
        "default_args": {k: describe(v) for k, v in dag.kwargs.get("default_args", {}).items()},
    }


def tasks(dag):
    return [
        {
            "task_id": t.task_id,
            "kind": t.kind,
            "upstream": sorted(t.upstream),
            **({"function": t.function.__name__} if t.kind == "python" else {}),
            "arguments": {k: describe(v) for k, v in t.arguments.items()},
        }
        for t in dag.tasks.values()
    ]


def order(dag):
    done, ordered = set(), []
    while len(ordered) < len(dag.tasks):
        ready = [t for t in dag.tasks.values() if t.task_id not in done and t.upstream <= done]
        if not ready:
            raise SystemExit("the DAG has a cycle")
        for t in ready:
            done.add(t.task_id)
            ordered.append(t)
    return ordered


def bash(command, skip_code):
    process = subprocess.run(["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = [line for line in process.stdout.splitlines() if line.strip()]
    state = "success" if process.returncode == 0 else "skipped" if process.returncode == skip_code else "failed"
    return {"command": command, "exit": process.returncode, "state": state, "xcom": lines[-1] if lines else None,
            **({"output": process.stdout[-4000:]} if state == "failed" else {})}


def execute(dag):
    xcom, states, runs = {}, {}, []
    resolve = lambda v: xcom[v.task.task_id] if isinstance(v, _graph.XComArg) else v
    for t in order(dag):
        run = {"task_id": t.task_id}
        runs.append(run)
        if any(states[u] != "success" for u in t.upstream):
            run["state"] = states[t.task_id] = "skipped"
            continue
        skip_code = t.arguments.get("skip_on_exit_code", 99)
        if t.kind == "python":
            xcom[t.task_id] = t.function(*[resolve(a) for a in t.arguments["args"]])
            run["state"], run["xcom"] = "success", xcom[t.task_id]
        elif t.kind == "bash":
            result = bash(resolve(t.arguments["bash_command"]), skip_code)
            run.update(result)
            xcom[t.task_id] = result["xcom"]
        else:
            commands = resolve(t.arguments["expand"])
            limit = t.arguments.get("max_active_tis_per_dagrun", 16)
            with ThreadPoolExecutor(max_workers=limit) as pool:
                run["mapped"] = list(pool.map(lambda c: bash(c, skip_code), commands))
            states_of = {m["state"] for m in run["mapped"]}
            run["state"] = "failed" if "failed" in states_of else "skipped" if not commands else "success"
            xcom[t.task_id] = [m["xcom"] for m in run["mapped"]]
        states[t.task_id] = run["state"]
        if run["state"] == "failed":
            break
    return runs


def main():
    dag = load(sys.argv[1])
    report = {"dag": structure(dag), "tasks": tasks(dag)}
    if "--execute" in sys.argv[2:]:
        report["runs"] = execute(dag)
    print(json.dumps(report))


main()
